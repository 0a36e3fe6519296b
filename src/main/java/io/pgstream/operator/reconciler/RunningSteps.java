package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Stops everything of a deleted pipeline that runs pgstream before its slots are dropped: an init
 * finishing after the drop would create the slot again, a snapshot would go on writing the target, and
 * a streaming pod holds the slot. Owned children are only garbage-collected after the finalizer goes,
 * so the deletion stops them itself.
 */
final class RunningSteps {
  private RunningSteps() {}

  /** Deletes the unfinished init and snapshot Jobs (foreground) and the Deployment; names what still runs. */
  static Optional<String> stop(PgstreamPipeline p, Context<PgstreamPipeline> ctx, Dependents children) {
    KubernetesClient client = ctx.getClient();
    String namespace = p.getMetadata().getNamespace();
    List<String> running = new ArrayList<>();
    for (Step step : List.of(Step.INIT, Step.SNAPSHOT)) {
      String name = Children.job(p, step);
      Optional<Job> job = children.job(step).getSecondaryResource(p, ctx).filter(j -> !JobStates.succeeded(j) && !JobStates.failed(j));
      if (job.isPresent()) {
        if (job.get().getMetadata().getDeletionTimestamp() == null) {
          // Foreground: the Job goes only after its pods, so its absence means nothing of it runs.
          client.resource(job.get()).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
        }
        if (stillThere(client, job.get())) {
          running.add("Job " + name);
          continue;
        }
      }
      if (PipelinePods.anyUnfinished(PipelinePods.ofJob(client, namespace, name))) {
        running.add("the pods of Job " + name);
      }
    }
    Optional<Deployment> deployment = children.deployment.getSecondaryResource(p, ctx);
    if (deployment.isPresent()) {
      children.deployment.delete(p, ctx);
    }
    if (deployment.isPresent() && stillThere(client, deployment.get())) {
      running.add("Deployment " + Children.deployment(p));
    } else if (PipelinePods.anyUnfinished(PipelinePods.streaming(client, p))) {
      running.add("the streaming pods");
    }
    return running.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", running));
  }

  /**
   * Asks the API server, not the cache: a watch that lost its connection keeps a deleted object in
   * the cache until it lists again, and the deletion would wait for it that long.
   */
  private static boolean stillThere(KubernetesClient client, HasMetadata child) {
    return client.resource(child).get() != null;
  }
}
