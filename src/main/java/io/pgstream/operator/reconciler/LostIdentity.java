package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.UnsettledProgress;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.util.Objects;
import java.util.Optional;

/**
 * Status lost its source and target records while the pipeline's snapshot Job stands, run (or
 * running) with other inputs than the current spec: its copy may belong to another source or target
 * (a change made before status was lost, maybe one that was blocked as a gap), so the spec must not
 * silently become the record of what was copied. Blocks with SnapshotStateUnknown until a new
 * spec.snapshot.nonce (a new snapshot) or a new spec.acknowledgeGap value.
 */
final class LostIdentity {
  private final Dependents children;
  private final EventRecorder events;

  LostIdentity(Dependents children, EventRecorder events) {
    this.children = children;
    this.events = events;
  }

  /** Empty when the records may be taken from the spec. */
  Optional<Outcome> check(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config) {
    PgstreamPipelineStatus st = s.status();
    PgstreamPipelineSpec spec = p.getSpec();
    if ((st.source != null && st.target != null) || !spec.mode.snapshots()) {
      return Optional.empty();
    }
    Job job = children.job(Step.SNAPSHOT).getSecondaryResource(p, ctx)
        .filter(j -> j.getMetadata().getDeletionTimestamp() == null && !JobStates.failed(j))
        .orElse(null);
    String nonce = spec.snapshot == null ? null : spec.snapshot.nonce;
    // Another nonce than the Job's takes a new snapshot, which copies for the current spec.
    if (job == null
        || !Objects.toString(nonce, "").equals(StepPlanner.annotation(job, Children.NONCE_ANNOTATION))
        || config.snapshotHash().equals(StepPlanner.annotation(job, Children.STEP_HASH_ANNOTATION))) {
      st.unsettledProgress = null;
      return Optional.empty();
    }
    UnsettledProgress asked = st.unsettledProgress;
    if (asked == null) {
      st.unsettledProgress = asked = new UnsettledProgress();
      asked.nonce = nonce;
      asked.acknowledgeGap = spec.acknowledgeGap;
    } else if (!Objects.equals(asked.acknowledgeGap, spec.acknowledgeGap)) {
      st.unsettledProgress = null;
      st.gapAcknowledged = spec.acknowledgeGap;
      events.warning(p, "GapAcknowledged", "spec.acknowledgeGap " + spec.acknowledgeGap + " takes the current spec as what Job "
          + job.getMetadata().getName() + " copied, without a new snapshot");
      return Optional.empty();
    }
    children.removeDeployment(p, ctx);
    String message =
        ("Status lost its records of the source and target, and snapshot Job %s ran with other settings than the current spec"
                + " (a change made before status was lost): its copy may belong to another source, slot or target, so streaming"
                + " on could skip changes. Streaming is stopped (Deployment %s removed). Choose: a new spec.snapshot.nonce takes"
                + " a new snapshot, or a new spec.acknowledgeGap value takes the current spec as what was copied (the target"
                + " may then lack changes).")
            .formatted(job.getMetadata().getName(), Children.deployment(p));
    s.phase(Phase.Pending);
    s.set(ConditionType.Streaming, false, SnapshotStateGate.UNKNOWN, message);
    Blocking.blocked(s, SnapshotStateGate.UNKNOWN, message);
    return Optional.of(Outcome.onChange());
  }
}
