package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.dependent.ConfigMapDependent;
import io.pgstream.operator.dependent.CredentialsSecretDependent;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.dependent.StepJobDependent;
import io.pgstream.operator.dependent.StreamingDeploymentDependent;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The children a pipeline owns, one dependent each, shared by the phase machine and the deletion path. */
final class Dependents {
  final ConfigMapDependent configMap = new ConfigMapDependent();
  final CredentialsSecretDependent credentialsSecret = new CredentialsSecretDependent();
  final StreamingDeploymentDependent deployment = new StreamingDeploymentDependent();
  private final Map<Step, StepJobDependent> jobs = new EnumMap<>(Step.class);

  Dependents() {
    for (Step step : Step.values()) {
      jobs.put(step, new StepJobDependent(step));
    }
  }

  /** Removes the streaming Deployment if it exists (its informer cache says), writing nothing otherwise. */
  void removeDeployment(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    if (hasDeployment(p, ctx)) {
      deployment.delete(p, ctx);
    }
  }

  boolean hasDeployment(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return deployment.getSecondaryResource(p, ctx).isPresent();
  }

  StepJobDependent job(Step step) {
    return jobs.get(step);
  }

  List<EventSource<?, PgstreamPipeline>> eventSources(EventSourceContext<PgstreamPipeline> ctx) {
    // One Job informer serves the step dependents; each picks its Job by name.
    InformerEventSource<Job, PgstreamPipeline> jobSource = jobs.get(Step.INIT).eventSource(ctx).orElseThrow();
    jobs.get(Step.SNAPSHOT).setEventSource(jobSource);
    jobs.get(Step.BACKFILL).setEventSource(jobSource);
    jobs.get(Step.DESTROY).setEventSource(jobSource);
    return List.of(
        configMap.eventSource(ctx).orElseThrow(),
        credentialsSecret.eventSource(ctx).orElseThrow(),
        jobSource,
        deployment.eventSource(ctx).orElseThrow(),
        PodEvents.source(ctx));
  }
}
