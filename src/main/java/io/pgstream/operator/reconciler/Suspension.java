package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotStatus;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import java.time.Duration;

/**
 * spec.state: Suspended (PhaseTable SUSPEND). Nothing new starts (init, snapshot, backfill: a running
 * one finishes first) and the streaming Deployment is removed; the slot and every record stay. The
 * slot is measured as while streaming, since nothing consumes it and WAL piles up: past
 * spec.maxRetainedWalBytes the pipeline is Degraded (SlotLagHigh). Running again (RESUME) recreates
 * the Deployment, which continues from the slot.
 */
final class Suspension {
  static final String REASON = "Suspended";

  private final Dependents children;
  private final SlotWatch slotWatch;

  Suspension(Dependents children, SlotWatch slotWatch) {
    this.children = children;
    this.slotWatch = slotWatch;
  }

  static boolean requested(PgstreamPipeline p) {
    return p.getSpec().suspended();
  }

  /** While a step the suspension waits for runs: the Ready message says so, and how to stop it now. */
  static String waitsFor(String job) {
    return "spec.state is Suspended: Job " + job + " runs to its end first (annotation pgstream.io/abort stops it now),"
        + " then nothing more starts";
  }

  /**
   * Suspended where the next thing would start ({@code held}: what does not start, or null while it would
   * stream): the Deployment goes, a slot init made is measured. The result is when to look again.
   */
  Outcome hold(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, ResolvedCredentials creds, String held) {
    PgstreamPipelineStatus st = s.status();
    children.removeDeployment(p, ctx);
    s.phase(Phase.Suspended);
    boolean watched = hasSlot(p, st);
    boolean missingBefore = st.slot != null && SlotStatus.MISSING.equals(st.slot.state);
    if (watched) {
      st.slot = slotWatch.observe(p, st.slot, creds);
    }
    String what = held == null ? "streaming is stopped (Deployment " + Children.deployment(p) + " removed)" : held + " does not start";
    String message = "Suspended (spec.state): " + what + "." + retention(p, st) + " Set spec.state: Running to resume.";
    s.set(ConditionType.Streaming, false, REASON, message);
    s.set(ConditionType.Ready, false, REASON, message);
    SlotWatch.Problem problem = watched ? slotWatch.problem(p, st.slot) : null;
    if (problem == null) {
      s.set(ConditionType.Degraded, false, "AsExpected", "No problems");
    } else {
      s.set(ConditionType.Degraded, true, problem.reason(), problem.message() + " Nothing consumes the slot while the pipeline is suspended.");
    }
    if (!watched) {
      return Outcome.onChange();
    }
    if (!missingBefore && st.slot != null && SlotStatus.MISSING.equals(st.slot.state)) {
      // The gap guard acts on a lost slot (SlotLost) on the next pass, as while streaming.
      return Outcome.after(Duration.ofSeconds(1));
    }
    // Readings arrive as events (SlotEventSource); unwatched Secrets are read again within the credentials refresh.
    return Outcome.after(PgstreamPipelineReconciler.CREDENTIALS_REFRESH);
  }

  /** init made the slot: it exists (or should) and keeps WAL while nothing consumes it. */
  private static boolean hasSlot(PgstreamPipeline p, PgstreamPipelineStatus st) {
    return p.getSpec().mode.replicates() && st.init != null && st.init.state == StepState.Succeeded;
  }

  private static String retention(PgstreamPipeline p, PgstreamPipelineStatus st) {
    if (!hasSlot(p, st)) {
      return "";
    }
    String slot = ReplicationSlots.slotFor(p);
    if (st.slot == null || st.slot.retainedWal == null) {
      return " Replication slot " + slot + " stays on the source and keeps WAL (not measured yet).";
    }
    return " Replication slot " + slot + " stays on the source and keeps " + st.slot.retainedWal + " of WAL (status.slot),"
        + " growing with every write until the pipeline resumes.";
  }
}
