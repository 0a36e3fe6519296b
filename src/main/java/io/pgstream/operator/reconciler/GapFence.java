package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.lifecycle.ChangeKind;
import io.pgstream.operator.lifecycle.PhaseTable;
import io.pgstream.operator.lifecycle.Reaction;
import io.pgstream.operator.lifecycle.SpecChanges;
import io.pgstream.operator.lifecycle.Stage;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Streaming stops for a change of source, slot, target or mode (or a lost slot) even while the
 * pipeline is blocked before {@link GapGuard} or {@link ModeGuard} decide about it (invalid spec,
 * refused, inputs or a gate failing), and so do a stream whose records status lost meanwhile and one
 * whose slot the slot watch finds gone: the
 * streaming Deployment would otherwise go on under the new
 * spec (its ConfigMap may already name the new endpoints), and show Streaming=True, over a possible gap.
 * The guards decide once nothing blocks; streaming only resumes from its slot, so stopping loses nothing.
 */
final class GapFence {
  /** Reactions of changes that must not stream on undecided: a gap, a lost slot, a refused mode, a source endpoint not yet checked. */
  private static final Set<Reaction> STOPS =
      EnumSet.of(Reaction.BLOCK_GAP, Reaction.BLOCK_SLOT_LOST, Reaction.REFUSE, Reaction.ROLL_STREAMING);
  private static final Set<ChangeKind> KINDS =
      EnumSet.of(
          ChangeKind.SOURCE_ENDPOINT, ChangeKind.SOURCE_IDENTITY, ChangeKind.SLOT, ChangeKind.TARGET, ChangeKind.SLOT_LOST, ChangeKind.MODE);

  static final String UNRECORDED = "SourceAndTargetUnrecorded";

  private final Dependents children;
  private final SlotWatch slotWatch;

  GapFence(Dependents children, SlotWatch slotWatch) {
    this.children = children;
    this.slotWatch = slotWatch;
  }

  /**
   * Called when the pipeline is blocked before the guards: removes the Deployment while such a change
   * is pending. While the Deployment stays, its slot is still watched: the result is when to look again.
   */
  Optional<Duration> hold(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s) {
    PgstreamPipelineSpec spec = p.getSpec();
    if (spec == null || spec.mode == null || spec.source == null || spec.target == null) {
      return Optional.empty();
    }
    PgstreamPipelineStatus st = s.status();
    boolean streams = children.hasDeployment(p, ctx);
    if (streams && spec.suspended()) {
      // Suspended: no stream, whatever blocks the pipeline meanwhile.
      children.removeDeployment(p, ctx);
      streams = false;
    }
    if (streams) {
      // Nothing else measures the slot while the pipeline is blocked: a slot lost meanwhile is a change too.
      st.slot = slotWatch.keep(p, st.slot);
    }
    Stage stage = Stage.of(st, spec.mode.snapshots(), spec.mode.replicates());
    Set<ChangeKind> pending = EnumSet.noneOf(ChangeKind.class);
    for (ChangeKind kind : SpecChanges.between(st, spec, ReplicationSlots.slotFor(p))) {
      if (KINDS.contains(kind) && STOPS.contains(PhaseTable.reaction(stage, kind))) {
        pending.add(kind);
      }
    }
    // Status erased while blocked: with no records of the source and target, no change shows, yet the spec may name
    // others than the running stream started with (lifecycle model, sequence 265).
    boolean unrecorded = (st.source == null || st.target == null) && streams;
    if (pending.isEmpty() && !unrecorded) {
      return streams ? Optional.of(slotWatch.interval()) : Optional.empty();
    }
    children.removeDeployment(p, ctx);
    String what = pending.isEmpty()
        ? "status lost its records of the source and target the stream started with"
        : pending.stream().map(ChangeKind::description).collect(Collectors.joining("; "));
    s.set(
        ConditionType.Streaming,
        false,
        pending.isEmpty() ? UNRECORDED : reason(pending),
        "Streaming is stopped (Deployment " + Children.deployment(p) + " removed) until the operator has checked this"
            + " change for a gap: " + what + ". That check runs once the pipeline is no longer blocked (see Ready);"
            + " streaming resumes from its slot, so stopping loses nothing.");
    return Optional.empty();
  }

  private static String reason(Set<ChangeKind> pending) {
    if (pending.contains(ChangeKind.MODE)) {
      return ModeGuard.REASON;
    }
    Set<ChangeKind> gaps = EnumSet.copyOf(pending);
    gaps.remove(ChangeKind.SOURCE_ENDPOINT);
    return gaps.isEmpty() ? "SourceEndpointUnchecked" : GapMessages.reason(gaps);
  }
}
