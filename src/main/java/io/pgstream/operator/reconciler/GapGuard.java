package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.lifecycle.ChangeKind;
import io.pgstream.operator.lifecycle.PhaseTable;
import io.pgstream.operator.lifecycle.Reaction;
import io.pgstream.operator.lifecycle.SpecChanges;
import io.pgstream.operator.lifecycle.Stage;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * No silent gap: a change of source, slot or target after data was copied, or a slot lost under a
 * streaming pipeline, stops streaming and blocks until the user picks a way out (a new snapshot
 * nonce, or a new acknowledgeGap value); a new endpoint of the same server only rolls streaming.
 * What to do is read from {@link PhaseTable} for the pipeline's {@link Stage}.
 */
final class GapGuard {
  private static final List<ChangeKind> IDENTITY =
      List.of(ChangeKind.SOURCE_ENDPOINT, ChangeKind.SOURCE_IDENTITY, ChangeKind.SLOT, ChangeKind.TARGET, ChangeKind.SLOT_LOST);

  private final Dependents children;
  private final ReInit reInit;
  private final UndesiredChildren undesired;
  private final EventRecorder events;
  private final LostIdentity lostIdentity;

  GapGuard(Dependents children, EventRecorder events) {
    this.children = children;
    this.lostIdentity = new LostIdentity(children, events);
    this.reInit = new ReInit(children);
    this.undesired = new UndesiredChildren(children);
    this.events = events;
  }

  /** Empty when the pipeline may go on to init, snapshot and streaming. */
  Optional<Outcome> check(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config) {
    PgstreamPipelineStatus st = s.status();
    PgstreamPipelineSpec spec = p.getSpec();
    Optional<Outcome> unknown = lostIdentity.check(p, ctx, s, config);
    if (unknown.isPresent()) {
      return unknown;
    }
    IdentityRecords.fillMissing(p, st);
    if (initRunsAfterCopy(p, ctx, st)) {
      // WAIT_FOR_STEP: the running init finishes with what it started with (holdsInit); a change is decided after it.
      return Optional.empty();
    }
    Set<ChangeKind> changes = SpecChanges.between(st, spec, ReplicationSlots.slotFor(p));
    boolean restarted = restartedCopy(p, st, changes);
    Stage stage = restarted ? copied(p) : stage(p, ctx, st);
    Set<ChangeKind> gaps = EnumSet.noneOf(ChangeKind.class);
    boolean follow = false;
    for (ChangeKind kind : IDENTITY) {
      if (!changes.contains(kind)) {
        continue;
      }
      Reaction reaction = PhaseTable.reaction(stage, kind);
      switch (reaction) {
        case BLOCK_GAP, BLOCK_SLOT_LOST -> gaps.add(kind);
        case ROLL_STREAMING -> rollToEndpoint(p, st, config);
        case APPLY, RERUN_FAILED, NEXT_SNAPSHOT -> follow = true;
        default -> { } // WAIT_FOR_STEP: the running step finishes with what it started with; NOTHING.
      }
    }
    if (!gaps.isEmpty()) {
      boolean newNonce = changes.contains(ChangeKind.SNAPSHOT_NONCE) || restarted;
      boolean acknowledged = spec.acknowledgeGap != null && !spec.acknowledgeGap.equals(st.gapAcknowledged);
      if (!newNonce && !acknowledged) {
        return Optional.of(block(p, ctx, s, gaps));
      }
      accept(p, ctx, st, gaps, acknowledged);
    } else {
      if (follow) {
        IdentityRecords.follow(p, st);
      }
      settleAcknowledgement(p, st);
    }
    Optional<Outcome> waiting = reInit.waiting(p, ctx, s);
    undesired.remove(p, ctx, stage(p, st));
    return waiting;
  }

  /**
   * A change of source or slot made while the snapshot runs waits for it (WAIT_FOR_STEP): init must
   * not run again for it meanwhile, nor record its new slot as the pipeline's, or that slot would
   * pass for the one the snapshot's copy continues from. So does one made while init runs after a
   * copy: that init finishes with what it started with, and the change is then decided as after a copy.
   */
  boolean holdsInit(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st) {
    Set<ChangeKind> changes = SpecChanges.between(st, p.getSpec(), ReplicationSlots.slotFor(p));
    if (initRunsAfterCopy(p, ctx, st)) {
      // Planned anew once its Job finished, init would run for the change before any gap decision (model sequence 181).
      return IDENTITY.stream().anyMatch(changes::contains);
    }
    Stage stage = stage(p, ctx, st);
    return stage == Stage.SNAPSHOTTING
        && IDENTITY.stream().anyMatch(k -> changes.contains(k) && PhaseTable.reaction(stage, k) == Reaction.WAIT_FOR_STEP);
  }

  /**
   * A new nonce restarts the running snapshot (RESTART_STEP), and until the old Job is gone no snapshot
   * Job runs: the next one copies with the spec as it is when it starts, not with what the old one
   * started with. So a change of source, slot or target made meanwhile is decided as after a copy,
   * where the restart is the new snapshot that accepts it: the records follow the spec, and a new
   * source or slot gets its init first. Waiting instead would record one target and copy into another.
   * An abort counts once it stopped the Job (WaitingForJobGone): it acts once, and deciding the change
   * before it stopped the Job would spend it on the re-init and leave the old snapshot running.
   */
  private static boolean restartedCopy(PgstreamPipeline p, PgstreamPipelineStatus st, Set<ChangeKind> changes) {
    return stage(p, st) == Stage.SNAPSHOTTING
        && (changes.contains(ChangeKind.SNAPSHOT_NONCE) || StepPlanner.WAITING_FOR_JOB_GONE.equals(st.snapshot.reason));
  }

  /**
   * The stage from status, or, when status lost its snapshot record while the pipeline's snapshot Job
   * for the current nonce stands, from that Job: until the snapshot step takes it back into status,
   * status says nothing ran (Stage NEW), yet the Job copies, or copied, for the records the spec gave
   * then. A change of source, slot or target now waits for it, or is a change after a copy.
   */
  private Stage stage(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st) {
    String nonce = p.getSpec().snapshot == null ? null : p.getSpec().snapshot.nonce;
    Optional<Job> lostCopy = st.snapshot != null || !p.getSpec().mode.snapshots()
        ? Optional.empty()
        : children.job(Step.SNAPSHOT).getSecondaryResource(p, ctx)
            .filter(j -> j.getMetadata().getDeletionTimestamp() == null && !JobStates.failed(j))
            .filter(j -> Objects.toString(nonce, "").equals(StepPlanner.annotation(j, Children.NONCE_ANNOTATION)));
    if (lostCopy.isEmpty()) {
      return stage(p, st);
    }
    return JobStates.succeeded(lostCopy.get()) ? copied(p) : Stage.SNAPSHOTTING;
  }

  private static Stage copied(PgstreamPipeline p) {
    return p.getSpec().mode.replicates() ? Stage.STREAMING : Stage.COMPLETED;
  }

  /**
   * init runs (not the re-init a gap's way out asked for) after a snapshot copied: Stage counts it as
   * STREAMING. Its Job decides, not status, which says Running until the init step takes the result
   * in, and that step is held while a change waits.
   */
  private boolean initRunsAfterCopy(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st) {
    return st.snapshot != null && st.snapshot.state == StepState.Succeeded
        && st.init != null && st.init.state == StepState.Running && !ReInit.PENDING.equals(st.init.configHash)
        && children.job(Step.INIT).getSecondaryResource(p, ctx).filter(j -> !JobStates.finished(j)).isPresent();
  }

  private static Stage stage(PgstreamPipeline p, PgstreamPipelineStatus st) {
    return Stage.of(st, p.getSpec().mode.snapshots(), p.getSpec().mode.replicates());
  }

  /** Same server (system identifier and database), new host name or port: the records follow and init stays done. */
  private static void rollToEndpoint(PgstreamPipeline p, PgstreamPipelineStatus st, RenderedConfig config) {
    IdentityRecords.followEndpoint(p, st);
    if (st.init != null && st.init.state == StepState.Succeeded) {
      // init's inputs name the host; its slot is on this same server, so it counts as done for the new endpoint.
      st.init.configHash = config.initHash();
    }
  }

  private Outcome block(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, Set<ChangeKind> gaps) {
    children.removeDeployment(p, ctx);
    String reason = GapMessages.reason(gaps);
    String message = GapMessages.message(p, s.status(), gaps);
    s.phase(Phase.Pending);
    s.set(ConditionType.Streaming, false, reason, message);
    Blocking.blocked(s, reason, message);
    return Outcome.onChange();
  }

  /**
   * A new spec.acknowledgeGap value while no gap blocks has nothing to accept: it is recorded as acted on, like
   * StepVerbs.settle does for retry and abort, so that it can never accept a later gap the user has not seen.
   */
  private void settleAcknowledgement(PgstreamPipeline p, PgstreamPipelineStatus st) {
    String ack = p.getSpec().acknowledgeGap;
    if (ack == null || ack.equals(st.gapAcknowledged)) {
      return;
    }
    st.gapAcknowledged = ack;
    events.normal(p, "NoGapToAcknowledge", "spec.acknowledgeGap " + ack + " finds no gap to accept; a later gap needs a new value");
  }

  /** The user chose: the old slot is abandoned, the spec becomes the record, and init makes the new slot. */
  private void accept(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st, Set<ChangeKind> gaps, boolean acknowledged) {
    String what = GapMessages.reason(gaps);
    IdentityRecords.follow(p, st);
    st.slot = null;
    if (acknowledged) {
      st.gapAcknowledged = p.getSpec().acknowledgeGap;
      events.warning(
          p,
          "GapAcknowledged",
          "spec.acknowledgeGap " + p.getSpec().acknowledgeGap + " accepts the gap (" + what + "): streaming goes on"
              + " without a new snapshot, and the target lacks the changes in between");
    } else {
      events.normal(p, "NewSnapshotAfterGap", "A new snapshot (spec.snapshot.nonce, or the restart pgstream.io/abort asked for) copies with the current spec after " + what);
    }
    if (GapMessages.newSlot(gaps)) {
      reInit.start(p, ctx, st);
    }
  }
}
