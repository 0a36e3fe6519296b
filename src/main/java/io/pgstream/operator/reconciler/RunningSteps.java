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
import java.util.function.Supplier;

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
      Optional<Job> job = orFromServer(p, children.job(step).getSecondaryResource(p, ctx), () -> client.batch().v1().jobs().inNamespace(namespace).withName(name).get())
          .filter(j -> !JobStates.succeeded(j) && !JobStates.failed(j));
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
    Optional<Deployment> deployment = orFromServer(
        p, children.deployment.getSecondaryResource(p, ctx), () -> client.apps().deployments().inNamespace(namespace).withName(Children.deployment(p)).get());
    if (deployment.isPresent() && deployment.get().getMetadata().getDeletionTimestamp() == null) {
      client.resource(deployment.get()).delete();
    }
    if (deployment.isPresent() && stillThere(client, deployment.get())) {
      running.add("Deployment " + Children.deployment(p));
    } else if (PipelinePods.anyUnfinished(PipelinePods.streaming(client, p))) {
      running.add("the streaming pods");
    }
    return running.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", running));
  }

  /**
   * What the cache has, else what the API server has, when the pipeline owns it: a child created
   * moments ago may not be in the cache yet (its watch event is on the way), and pgstream destroy must
   * not start beside it (lifecycle model, sequence 327 on a loaded machine).
   */
  private static <T extends HasMetadata> Optional<T> orFromServer(PgstreamPipeline p, Optional<T> cached, Supplier<T> fromServer) {
    if (cached.isPresent()) {
      return cached;
    }
    return Optional.ofNullable(fromServer.get())
        .filter(c -> c.getMetadata().getOwnerReferences().stream().anyMatch(o -> o.getUid().equals(p.getMetadata().getUid())));
  }

  /**
   * Asks the API server, not the cache: a watch that lost its connection keeps a deleted object in
   * the cache until it lists again, and the deletion would wait for it that long.
   */
  private static boolean stillThere(KubernetesClient client, HasMetadata child) {
    return client.resource(child).get() != null;
  }
}
