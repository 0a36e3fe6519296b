package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.StreamingDeploymentDependent;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The pods that run a pipeline's pgstream: the streaming Deployment's, and each step Job's. */
final class PipelinePods {
  private PipelinePods() {}

  static List<Pod> streaming(KubernetesClient client, PgstreamPipeline p) {
    return client
        .pods()
        .inNamespace(p.getMetadata().getNamespace())
        .withLabels(Children.labels(p, StreamingDeploymentDependent.COMPONENT))
        .list()
        .getItems();
  }

  static List<Pod> ofJob(KubernetesClient client, String namespace, String job) {
    return client.pods().inNamespace(namespace).withLabel("job-name", job).list().getItems();
  }

  /** Whether any of the pods may still run pgstream (a pod that finished, or failed, writes nothing more). */
  static boolean anyUnfinished(List<Pod> pods) {
    return pods.stream()
        .map(pod -> pod.getStatus() == null ? null : pod.getStatus().getPhase())
        .anyMatch(phase -> !"Succeeded".equals(phase) && !"Failed".equals(phase));
  }

  /** The newest pod that is not being deleted (an evicted or replaced pod of an older revision is not the current one). */
  static Optional<Pod> current(List<Pod> pods) {
    return pods.stream()
        .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
        .max(Comparator.comparing((Pod pod) -> Objects.toString(pod.getMetadata().getCreationTimestamp(), "")));
  }
}
