package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.dependent.Children;
import java.util.Optional;
import java.util.Set;

/**
 * Reconciles a pipeline when one of its pods changes. Pods outlive their Job or Deployment, and the
 * operator waits for them before it starts another writer (a backfill, the next Job, a deletion's
 * destroy); without this their end would only be seen at the next recheck. Only the operator's
 * labelled pods are watched; their state is still read from the API server (PipelinePods), which
 * also knows a pod created a moment ago.
 */
final class PodEvents {
  private PodEvents() {}

  static InformerEventSource<Pod, PgstreamPipeline> source(EventSourceContext<PgstreamPipeline> ctx) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, PgstreamPipeline.class)
            .withName("pods")
            .withLabelSelector(Children.SELECTOR)
            .withSecondaryToPrimaryMapper(PodEvents::pipeline)
            .build(),
        ctx);
  }

  private static Set<ResourceID> pipeline(Pod pod) {
    return Optional.ofNullable(pod.getMetadata().getLabels())
        .map(labels -> labels.get(Children.INSTANCE_LABEL))
        .map(name -> Set.of(new ResourceID(name, pod.getMetadata().getNamespace())))
        .orElse(Set.of());
  }
}
