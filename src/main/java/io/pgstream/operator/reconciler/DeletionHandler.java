package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.metrics.PipelineMetrics;
import io.pgstream.operator.status.EventRecorder;
import java.time.Duration;
import java.util.Optional;

/**
 * What deleting a pipeline does to its replication slot: deletionPolicy Retain leaves it (and says
 * where), Delete stops the consumer and runs pgstream destroy before the finalizer goes.
 */
final class DeletionHandler {
  private final PhaseMachine phases;
  private final PipelineInputs inputs;
  private final AllowListGate allowLists;
  private final Dependents children;
  private final PipelineMetrics metrics;
  private final EventRecorder events;

  DeletionHandler(
      PhaseMachine phases,
      PipelineInputs inputs,
      AllowListGate allowLists,
      Dependents children,
      PipelineMetrics metrics,
      EventRecorder events) {
    this.phases = phases;
    this.inputs = inputs;
    this.allowLists = allowLists;
    this.children = children;
    this.metrics = metrics;
    this.events = events;
  }

  DeleteControl cleanup(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    phases.forget(p);
    metrics.forget(p.getMetadata().getNamespace(), p.getMetadata().getName());
    PgstreamPipelineStatus st = p.getStatus();
    boolean initialized = st != null && st.init != null && st.replicationSlot != null;
    if (!initialized) {
      return DeleteControl.defaultDelete();
    }
    String where = p.getSpec().source.host + "/" + p.getSpec().source.database;
    if (p.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Retain) {
      events.normal(
          p,
          "SlotRetained",
          "deletionPolicy Retain: replication slot %s and schema pgstream stay on %s and keep retaining WAL. Drop them with `pgstream destroy` or SELECT pg_drop_replication_slot('%s');"
              .formatted(st.replicationSlot, where, st.replicationSlot));
      return DeleteControl.defaultDelete();
    }
    return destroy(p, ctx, st, where);
  }

  /** deletionPolicy Delete: stop the consumer, then run pgstream destroy, then let the resource go. */
  private DeleteControl destroy(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st, String where) {
    if (children.deployment.getSecondaryResource(p, ctx).isPresent()) {
      // The slot cannot be dropped while pgstream run holds it.
      children.deployment.delete(p, ctx);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(5));
    }
    // The spec may have been edited since init: the Job would take the credentials to the image and hosts it names now.
    Optional<Blocker> refused = allowLists.refusal(p);
    if (refused.isPresent()) {
      events.warning(
          p,
          "DestroyBlocked",
          ("Cannot drop replication slot %s: %s. To drop it, set the spec back to an allowed image and hosts; to"
                  + " leave it, set spec.deletionPolicy: Retain (or remove the finalizer).")
              .formatted(st.replicationSlot, refused.get().message()));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Blocking.MAX_RECHECK);
    }
    PipelineInputs.Result inputs = this.inputs.resolve(p, ctx);
    if (inputs instanceof PipelineInputs.Unavailable unavailable) {
      events.warning(
          p,
          "DestroyBlocked",
          "Cannot drop replication slot %s: %s. Restore it, or remove the finalizer to leave the slot."
              .formatted(st.replicationSlot, unavailable.message()));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Blocking.MAX_RECHECK);
    }
    ResolvedCredentials creds = ((PipelineInputs.Ready) inputs).credentials();
    StepStatus destroy =
        StepPlanner.advance(children.job(Step.DESTROY), p, ctx, st, null, creds.secretValues());
    switch (destroy.state) {
      case Succeeded -> {
        events.normal(
            p, "SlotDropped", "pgstream destroy dropped replication slot %s and schema pgstream on %s".formatted(st.replicationSlot, where));
        return DeleteControl.defaultDelete();
      }
      case Failed -> {
        events.warning(
            p,
            "DestroyFailed",
            destroy.message + " Fix the cause and delete the Job to retry, or remove the finalizer to leave the slot.");
        return DeleteControl.noFinalizerRemoval();
      }
      default -> {
        return DeleteControl.noFinalizerRemoval();
      }
    }
  }
}
