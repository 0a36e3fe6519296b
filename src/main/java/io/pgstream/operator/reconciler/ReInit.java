package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import java.time.Duration;
import java.util.Optional;

/**
 * pgstream init again, asked for by the user's way out of a gap (a new nonce or acknowledgeGap): the
 * slot must be created anew even when init's inputs did not change (a lost slot, another server
 * behind the same host name). The finished init Job is deleted (a running one finishes first: its
 * pods are never cut off), and init starts once it is gone.
 */
final class ReInit {
  /** status.init.configHash while the old init Job goes; never the hash of a real input. */
  static final String PENDING = "re-init-pending";
  private final Dependents children;

  ReInit(Dependents children) {
    this.children = children;
  }

  void start(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st) {
    children.job(Step.INIT).getSecondaryResource(p, ctx).filter(JobStates::finished).ifPresent(job -> delete(ctx, job));
    StepStatus pending = new StepStatus();
    pending.state = StepState.Running;
    pending.configHash = PENDING;
    pending.job = Children.job(p, Step.INIT);
    pending.message = "pgstream init runs again (a new slot) once the earlier Job " + pending.job + " is gone";
    st.init = pending;
  }

  /** While the old init Job is still there: wait. Once it is gone, init is due again (status.init cleared). */
  Optional<Outcome> waiting(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s) {
    PgstreamPipelineStatus st = s.status();
    if (st.init == null || !PENDING.equals(st.init.configHash)) {
      return Optional.empty();
    }
    Optional<Job> old = children.job(Step.INIT).getSecondaryResource(p, ctx);
    if (old.isEmpty()) {
      st.init = null;
      return Optional.empty();
    }
    // An init still running (for a change accepted before this one) finishes first: its slot is recorded, and
    // the new init's success leaves it Abandoned (SlotRecords.leaveOthers).
    if (old.get().getMetadata().getDeletionTimestamp() == null && JobStates.finished(old.get())) {
      delete(ctx, old.get());
    }
    children.removeDeployment(p, ctx);
    s.phase(Phase.Initializing);
    s.set(ConditionType.Initialized, false, "Running", st.init.message);
    s.set(ConditionType.Ready, false, Phase.Initializing.name(), st.init.message);
    return Optional.of(Outcome.after(Duration.ofSeconds(2)));
  }


  private static void delete(Context<PgstreamPipeline> ctx, Job job) {
    ctx.getClient().resource(job).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
  }
}
