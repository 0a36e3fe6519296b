package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.DroppedWritesStatus;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.api.SlotStatus;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.api.VerificationState;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.CredentialsVersion;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.PipelineContext;
import io.pgstream.operator.dependent.RunnerImages;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.dependent.StreamingDeploymentDependent;
import io.pgstream.operator.preflight.Finding;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.validation.PipelineValidator;
import io.pgstream.operator.validation.PodTemplateRules;
import io.pgstream.operator.validation.TlsRequirements;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The phases of a running pipeline in order: validate, the gates (AWS, preparation, preflight), then
 * init → snapshot → streaming, each only after the one before it finished for the current spec.
 * Progress lives in status, so a restarted operator resumes where it was.
 */
final class PhaseMachine {
  private final AllowListGate allowLists;
  private final PipelineInputs inputs;
  private final Dependents children;
  private final RdsGate rds;
  private final PrepareGate prepare;
  private final PreflightGate preflight;
  private final SnapshotStateGate snapshotState;
  private final ProgressRecorder progress;
  private final PopulatedTargetGate populatedTarget;
  private final SnapshotPosition snapshotPosition;
  private final SlotWatch slotWatch;
  private final DroppedWritesWatch droppedWritesWatch;
  private final VerificationGate verification;
  private final Backfill backfill;
  private final RunnerImages runners;
  private final SlotRecords slotRecords;
  private final AbandonedSlots abandonedSlots;
  private final EventRecorder events;
  private final Clock clock;
  private final ModeGuard modeGuard;
  private final GapGuard gapGuard;
  private final GapFence gapFence;
  private final Suspension suspension;
  private final StreamRestart restart;

  PhaseMachine(
      AllowListGate allowLists,
      PipelineInputs inputs,
      Dependents children,
      RdsGate rds,
      PrepareGate prepare,
      PreflightGate preflight,
      SnapshotStateGate snapshotState,
      ProgressRecorder progress,
      PopulatedTargetGate populatedTarget,
      SnapshotPosition snapshotPosition,
      SlotWatch slotWatch,
      DroppedWritesWatch droppedWritesWatch,
      VerificationGate verification,
      RunnerImages runners,
      SlotRecords slotRecords,
      AbandonedSlots abandonedSlots,
      EventRecorder events,
      Clock clock) {
    this.allowLists = allowLists;
    this.inputs = inputs;
    this.children = children;
    this.rds = rds;
    this.prepare = prepare;
    this.preflight = preflight;
    this.snapshotState = snapshotState;
    this.progress = progress;
    this.populatedTarget = populatedTarget;
    this.snapshotPosition = snapshotPosition;
    this.slotWatch = slotWatch;
    this.droppedWritesWatch = droppedWritesWatch;
    this.verification = verification;
    this.backfill = new Backfill(children, populatedTarget, snapshotPosition, events, clock);
    this.runners = runners;
    this.slotRecords = slotRecords;
    this.abandonedSlots = abandonedSlots;
    this.events = events;
    this.clock = clock;
    this.modeGuard = new ModeGuard(children);
    this.gapGuard = new GapGuard(children, events);
    this.gapFence = new GapFence(children, slotWatch);
    this.suspension = new Suspension(children, slotWatch);
    this.restart = new StreamRestart(events);
  }

  /** Validate, check the gates, then init → snapshot → streaming, each after the one before finished. */
  Outcome progress(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s) {
    slotRecords.remember(p, s.status());
    boolean unrecorded = snapshotState.restoreFirst(p, ctx, s.status());
    List<String> problems = PipelineValidator.validate(p);
    if (!problems.isEmpty()) {
      String message = "Invalid spec: " + String.join("; ", problems);
      String reason =
          TlsRequirements.soleReason(problems, p.getSpec())
              .or(() -> PodTemplateRules.soleReason(problems, p.getSpec()))
              .orElse("InvalidSpec");
      s.phase(Phase.Failed);
      s.set(ConditionType.ConfigRendered, false, reason, message);
      Blocking.blocked(s, reason, message);
      Optional<Duration> watching = gapFence.hold(p, ctx, s);
      // Records that could not be rebuilt yet are looked for again; the spec itself only changes by an edit.
      return (unrecorded ? Outcome.after(Blocking.recheckDelay(s.status(), clock)) : Outcome.onChange()).orSooner(watching);
    }
    Blocker refused = allowLists.check(p, s);
    if (refused != null) {
      Optional<Duration> watching = gapFence.hold(p, ctx, s);
      return waitFor(s, Phase.Pending, refused).orSooner(watching);
    }
    PipelineInputs.Result inputs = this.inputs.resolve(p, ctx);
    if (inputs instanceof PipelineInputs.Unavailable unavailable) {
      s.set(ConditionType.ConfigRendered, false, unavailable.reason(), unavailable.message());
      Optional<Duration> watching = gapFence.hold(p, ctx, s);
      // Secrets and CA bundles are not watched (that would cache every Secret of the cluster).
      return waitFor(s, Phase.Pending, new Blocker(unavailable.reason(), unavailable.message())).orSooner(watching);
    }
    Optional<Outcome> refusedMode = modeGuard.check(p, ctx, s);
    if (refusedMode.isPresent()) {
      return refusedMode.get();
    }
    RenderedConfig config = ((PipelineInputs.Ready) inputs).config();
    ResolvedCredentials creds = ((PipelineInputs.Ready) inputs).credentials();
    PgstreamPipelineStatus st = s.status();
    st.configHash = config.contentHash();
    TransformationsChange.record(p, st, config, events);
    st.credentialsVersion = CredentialsVersion.of(p, creds);
    st.replicationSlot = p.getSpec().mode.replicates() ? ReplicationSlots.slotFor(p) : null;
    s.set(
        ConditionType.ConfigRendered,
        true,
        "Rendered",
        "pgstream config rendered into ConfigMap " + Children.configMap(p) + " (hash " + config.contentHash() + ")");

    // AWS and database state are not watched either: each gate is checked again after a growing delay.
    Blocker blocker = rds.check(p, s, creds);
    if (blocker == null) {
      blocker = prepare.prepare(p, s, config, creds);
    }
    // Lost status is settled before the preflight, which takes an adopted slot as the pipeline's own;
    // when the records cannot be read, the preflight (which cannot connect either) explains it first.
    Blocker unsettled = blocker == null ? snapshotState.check(p, ctx, s, config, creds) : null;
    if (unsettled != null && !SnapshotStateGate.unreadable(unsettled)) {
      blocker = unsettled;
    }
    if (blocker == null) {
      Finding finding = preflight.check(p, ctx, s, config, creds);
      blocker = finding == null ? unsettled : new Blocker(finding.code(), "Preflight failed: " + finding.describe());
    }
    if (blocker != null) {
      Optional<Duration> watching = gapFence.hold(p, ctx, s);
      if (blocker.reason().endsWith("AuthenticationFailed")) {
        // A rotation the cached credentials have not seen yet, maybe: the next check reads the Secrets again.
        this.inputs.forget(p);
      }
      return waitFor(s, Phase.Pending, blocker).orSooner(watching);
    }
    Optional<Outcome> waiting = gapGuard.check(p, ctx, s, config);
    boolean initHeld = gapGuard.holdsInit(p, ctx, st);
    if (waiting.isEmpty() && !initHeld) {
      waiting = suspendedBeforeInit(p, ctx, s, creds);
    }
    if (waiting.isEmpty() && !initHeld) {
      waiting = recordSlots(p, ctx, s, creds);
    }
    if (waiting.isEmpty() && !initHeld) {
      waiting = initialise(p, ctx, s, config, creds);
    }
    if (waiting.isEmpty()) {
      waiting = snapshot(p, ctx, s, config, creds);
    }
    if (waiting.isEmpty() && initHeld) {
      // The snapshot finished while a change waited for it: the gap guard decides on it before anything streams.
      waiting = Optional.of(Outcome.after(Duration.ofSeconds(1)));
    }
    if (waiting.isEmpty()) {
      waiting = backfill.step(p, ctx, s, config, creds);
    }
    StepVerbs.settle(p, st);
    return waiting.orElseGet(() -> Backfill.keepStaleVisible(s, stream(p, ctx, s, creds)));
  }

  /** Suspended where init would start: nothing is recorded or created. */
  private Optional<Outcome> suspendedBeforeInit(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, ResolvedCredentials creds) {
    if (!Suspension.requested(p) || !p.getSpec().mode.replicates()) {
      return Optional.empty();
    }
    StepPlanner.Plan plan = StepPlanner.plan(children.job(Step.INIT), p, ctx, s.status(), s.status().init, clock);
    return plan.starts() ? Optional.of(suspension.hold(p, ctx, s, creds, "pgstream init")) : Optional.empty();
  }

  /**
   * Abandoned slots dropped or kept per the recorded deletionPolicy; then the slot init is to create
   * is recorded, and a new record is written before the init Job exists (the next reconcile creates it).
   */
  private Optional<Outcome> recordSlots(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, ResolvedCredentials creds) {
    dropAbandoned(p, ctx, s.status(), creds);
    if (!p.getSpec().mode.replicates() || !slotRecords.recordCurrent(p, s.status())) {
      return Optional.empty();
    }
    String message = "Replication slot " + ReplicationSlots.slotFor(p) + " recorded; pgstream init starts once that is saved";
    s.phase(Phase.Initializing);
    s.set(ConditionType.Initialized, false, "SlotRecorded", message);
    s.set(ConditionType.Ready, false, Phase.Initializing.name(), message);
    // This reconcile saves the record before it returns (or fails and retries), so the next may start init at once.
    return Optional.of(Outcome.after(Duration.ZERO));
  }

  /**
   * Abandoned slots dropped per the recorded deletionPolicy Delete, but not while an init Job, or a pod
   * of a deleted one, may still run: the slot it is creating may be one of them, not there yet to drop,
   * and its record would go with the drop that found nothing (lifecycle model, sequence 251).
   */
  private void dropAbandoned(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st, ResolvedCredentials creds) {
    if (st.deletionPolicy != DeletionPolicy.Delete || st.slotsCreated == null
        || st.slotsCreated.stream().noneMatch(r -> r.state == SlotRecordState.Abandoned)) {
      return;
    }
    boolean initRuns = children.job(Step.INIT).getSecondaryResource(p, ctx).filter(j -> !JobStates.finished(j)).isPresent()
        || PipelinePods.anyUnfinished(PipelinePods.ofJob(ctx.getClient(), p.getMetadata().getNamespace(), Children.job(p, Step.INIT)));
    if (!initRuns) {
      abandonedSlots.drop(p, st, creds, () -> ctx.getPrimaryCache().list().toList());
    }
  }

  /** pgstream init, then (with initAsAdmin) the hand-over of its objects; empty when done. */
  private Optional<Outcome> initialise(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().mode.replicates()) {
      s.set(ConditionType.Initialized, true, "NotRequired", "mode snapshot uses no replication slot");
      return Optional.empty();
    }
    st.init = StepPlanner.advance(children.job(Step.INIT), p, ctx, st, st.init, creds.secretValues(), clock);
    if (!stepFinished(s, p, ctx, ConditionType.Initialized, st.init, Phase.Initializing)) {
      s.set(ConditionType.SnapshotCompleted, false, "WaitingForInit", "The snapshot starts after pgstream init");
      return Optional.of(StepPlanner.next(st.init, p, clock));
    }
    if (slotRecords.leaveOthers(p, st)) {
      dropAbandoned(p, ctx, st, creds);
    }
    progress.record(p, s, creds);
    Blocker handOver = prepare.handOver(p, s, creds);
    return handOver == null ? Optional.empty() : Optional.of(waitFor(s, Phase.Failed, handOver));
  }

  /** The snapshot, once per nonce, with a runner image that can dump the source; empty when done. */
  private Optional<Outcome> snapshot(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().mode.snapshots()) {
      s.set(ConditionType.SnapshotCompleted, true, "NotRequired", "mode replication takes no snapshot");
      return Optional.empty();
    }
    Optional<String> image = runners.snapshotImage(p, st.sourceMajorVersion);
    if (image.isEmpty()) {
      String message =
          ("The source runs PostgreSQL %d; a %s snapshot runs pg_dump and psql, which refuse newer servers, and no"
                  + " runner image has a client of %d or later (runner images: %s). Add one (chart value runnerImages,"
                  + " run --runner-image %d=IMAGE) or set spec.image.")
              .formatted(
                  st.sourceMajorVersion,
                  enumName(p.getSpec().snapshot == null ? SnapshotMode.FULL : p.getSpec().snapshot.effectiveMode()),
                  st.sourceMajorVersion,
                  runners.describe(),
                  st.sourceMajorVersion);
      s.phase(Phase.Pending);
      s.set(ConditionType.SnapshotCompleted, false, "NoSnapshotRunner", message);
      Blocking.blocked(s, "NoSnapshotRunner", message);
      return Optional.of(Outcome.onChange());
    }
    PipelineContext.snapshotImage(ctx, image.get());
    StepPlanner.Plan plan = StepPlanner.plan(children.job(Step.SNAPSHOT), p, ctx, st, st.snapshot, clock);
    if (plan.starts() && Suspension.requested(p)) {
      return Optional.of(suspension.hold(p, ctx, s, creds, "the snapshot (Job " + Children.job(p, Step.SNAPSHOT) + ")"));
    }
    if (plan.starts()) {
      Optional<Outcome> notYet = beforeSnapshotJob(p, ctx, s, creds);
      if (notYet.isPresent()) {
        return notYet;
      }
    }
    StepStatus before = st.snapshot;
    st.snapshot = StepPlanner.carryOut(plan, p, ctx, creds.secretValues());
    TableCoverage.recordSnapshot(st, before, p.getSpec());
    if (!stepFinished(s, p, ctx, ConditionType.SnapshotCompleted, st.snapshot, Phase.Snapshotting)) {
      return Optional.of(StepPlanner.next(st.snapshot, p, clock));
    }
    progress.record(p, s, creds);
    snapshotPosition.record(p, st.snapshot, creds);
    return Optional.empty();
  }

  /**
   * Before a snapshot Job is created. With populatedTarget Refuse the target is looked at first, with
   * everything still running, so a refused re-snapshot leaves streaming (and its slot watch) as it
   * was. Then every writer stops: the streaming pods, and the pods of a replaced snapshot Job, because
   * a row written between the last look (or TRUNCATE) and the copy would collide with it.
   */
  private Optional<Outcome> beforeSnapshotJob(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    Blocker refused = populatedTarget.refusal(p, creds);
    if (refused != null) {
      if (st.snapshot == null || st.snapshot.state != StepState.Succeeded) {
        s.set(ConditionType.SnapshotCompleted, false, refused.reason(), refused.message());
        return Optional.of(waitFor(s, Phase.Pending, refused));
      }
      // A re-snapshot: the last one's copy stays in service, and streaming goes on meanwhile.
      Outcome streaming = stream(p, ctx, s, creds);
      s.set(ConditionType.SnapshotCompleted, false, refused.reason(), refused.message());
      if (StatusUpdater.condition(st, ConditionType.Degraded).map(c -> "False".equals(c.getStatus())).orElse(true)) {
        s.set(ConditionType.Degraded, true, refused.reason(), refused.message());
      }
      return Optional.of(streaming.orSooner(Optional.of(Blocking.recheckDelay(st, clock))));
    }
    String snapshotJob = Children.job(p, Step.SNAPSHOT);
    boolean writing =
        children.deployment.getSecondaryResource(p, ctx).isPresent()
            || PipelinePods.anyUnfinished(PipelinePods.streaming(ctx.getClient(), p));
    // A backfill the new snapshot supersedes stops too; an earlier snapshot Job is the planner's to replace.
    children.job(Step.BACKFILL).getSecondaryResource(p, ctx)
        .filter(old -> old.getMetadata().getDeletionTimestamp() == null)
        .ifPresent(old -> ctx.getClient().resource(old).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete());
    for (Step copy : List.of(Step.SNAPSHOT, Step.BACKFILL)) {
      writing |= PipelinePods.anyUnfinished(PipelinePods.ofJob(ctx.getClient(), p.getMetadata().getNamespace(), Children.job(p, copy)));
    }
    if (writing) {
      children.deployment.delete(p, ctx);
      String message = "The snapshot waits until nothing writes to the target: Deployment " + Children.deployment(p)
          + " and the pods of an earlier Job " + snapshotJob + " must be gone";
      s.phase(Phase.Snapshotting);
      s.set(ConditionType.Streaming, false, "PausedForSnapshot", message);
      s.set(ConditionType.SnapshotCompleted, false, "WaitingForWritersToStop", message);
      s.set(ConditionType.Ready, false, "WaitingForWritersToStop", message);
      return Optional.of(Outcome.after(Duration.ofSeconds(5)));
    }
    Blocker blocker = populatedTarget.clear(p, creds);
    if (blocker == null) {
      return Optional.empty();
    }
    s.set(ConditionType.SnapshotCompleted, false, blocker.reason(), blocker.message());
    return Optional.of(waitFor(s, Phase.Pending, blocker));
  }

  /** The streaming Deployment and the health of its slot; a snapshot-only pipeline is complete here. */
  private Outcome stream(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().mode.replicates()) {
      // Suspended or not: a finished snapshot-only pipeline runs nothing.
      s.phase(Phase.Completed);
      s.set(ConditionType.Streaming, false, "NotRequired", "mode snapshot does not stream");
      s.set(ConditionType.Degraded, false, "AsExpected", "No problems");
      s.set(ConditionType.Ready, true, "SnapshotCompleted", st.snapshot.message);
      Outcome next = ProgressRecorder.pending(st) ? Outcome.after(slotWatch.interval()) : Outcome.onChange();
      return next.orSooner(verification.observe(p, s, creds));
    }
    if (Suspension.requested(p)) {
      return suspension.hold(p, ctx, s, creds, null);
    }
    Optional<Job> copying = Stream.of(Step.SNAPSHOT, Step.BACKFILL)
        .flatMap(step -> children.job(step).getSecondaryResource(p, ctx).stream())
        .filter(j -> !JobStates.finished(j))
        .findFirst();
    if (copying.isPresent()) {
      // A copy Job the records do not account for (started under another mode before status was erased) still
      // writes the target: one writer at a time (lifecycle model, sequence 482). Its end is an event.
      children.removeDeployment(p, ctx);
      String message = "Streaming waits until Job " + copying.get().getMetadata().getName() + " stops writing the target";
      s.set(ConditionType.Streaming, false, "WaitingForCopyJob", message);
      s.set(ConditionType.Ready, false, "WaitingForCopyJob", message);
      return Outcome.onChange();
    }
    // Measured whatever spec.preflight says: the watch only reads pg_replication_slots.
    boolean missingBefore = st.slot != null && SlotStatus.MISSING.equals(st.slot.state);
    st.slot = slotWatch.observe(p, st.slot, creds);
    boolean lostNow = !missingBefore && st.slot != null && SlotStatus.MISSING.equals(st.slot.state);
    Optional<Deployment> running = children.deployment.getSecondaryResource(p, ctx);
    if (running.isEmpty() && (st.slot == null || SlotStatus.MISSING.equals(st.slot.state))) {
      return awaitSlotReading(p, s, lostNow);
    }
    restart.apply(p, ctx, st, running);
    Deployment actual = children.deployment.reconcile(p, ctx).getSingleResource().orElse(null);
    String name = Children.deployment(p);
    s.phase(Phase.Streaming);
    SlotWatch.Problem slotProblem = slotWatch.problem(p, st.slot);
    boolean dropped = droppedWrites(p, ctx, s);
    if (slotProblem != null) {
      s.set(ConditionType.Degraded, true, slotProblem.reason(), slotProblem.message());
    } else if (dropped) {
      Condition c = StatusUpdater.condition(st, ConditionType.WritesDropped).orElseThrow();
      s.set(ConditionType.Degraded, true, c.getReason(), c.getMessage());
    } else {
      s.set(ConditionType.Degraded, false, "AsExpected", "No problems");
    }
    Optional<StreamHealth.Problem> exiting =
        StreamingDeploymentDependent.available(actual)
            ? Optional.empty()
            : StreamHealth.problem(ctx.getClient(), p, st.replicationSlot, creds.secretValues());
    if (exiting.isPresent()) {
      StreamHealth.Problem problem = exiting.get();
      s.set(ConditionType.Streaming, false, problem.reason(), problem.message());
      Blocking.blocked(s, problem.reason(), problem.message());
    } else if (!StreamingDeploymentDependent.available(actual)) {
      String message = "Waiting for Deployment " + name + " to report pgstream ready on /ready";
      s.set(ConditionType.Streaming, false, "DeploymentUnavailable", message);
      s.set(ConditionType.Ready, false, "DeploymentUnavailable", message);
    } else if (slotProblem != null && slotProblem.blocking()) {
      s.set(ConditionType.Streaming, false, slotProblem.reason(), slotProblem.message());
      s.set(ConditionType.Ready, false, slotProblem.reason(), slotProblem.message());
    } else {
      String message = "pgstream run is streaming from slot " + st.replicationSlot + " (Deployment " + name + ")";
      s.set(ConditionType.Streaming, true, "DeploymentAvailable", message);
      s.set(ConditionType.Ready, true, "Streaming", message);
    }
    // Slot readings arrive as events (SlotEventSource); pgstream's log and an unwritten
    // progress record are looked at again after the interval, and unwatched Secrets within the credentials refresh.
    if (lostNow) {
      // The gap guard acts on a lost slot (SlotLost) on the next pass, once this reading is in status.
      return Outcome.after(Duration.ofSeconds(1));
    }
    if (slotWatch.loginRefused(p)) {
      // Rotated credentials, most likely: read the Secrets again, or a lost slot would go unseen until the cache expires.
      inputs.forget(p);
      return Outcome.after(slotWatch.interval());
    }
    boolean watching = !p.getSpec().target.effectiveStrictMode() || ProgressRecorder.pending(st);
    Outcome watch = Outcome.after(watching ? slotWatch.interval() : PgstreamPipelineReconciler.CREDENTIALS_REFRESH);
    return watch.orSooner(verification.observe(p, s, creds));
  }

  /**
   * No Deployment is started before a reading of the source lists the slot: after a status loss
   * nothing else says the slot outlived it (lifecycle model, sequence 26), and a slot found missing
   * turns into SlotLost on the next pass instead of a stream that starts and fails. The reading is
   * an event; the watch's interval bounds the wait when the source cannot be read.
   */
  private Outcome awaitSlotReading(PgstreamPipeline p, StatusUpdater s, boolean lostNow) {
    String slot = ReplicationSlots.slotFor(p);
    String message = s.status().slot == null
        ? "Streaming starts once the slot watch has read slot " + slot + " on the source"
        : "Slot " + slot + " is not on the source; streaming does not start";
    s.set(ConditionType.Streaming, false, "WaitingForSlotReading", message);
    s.set(ConditionType.Ready, false, "WaitingForSlotReading", message);
    return Outcome.after(lostNow ? Duration.ofSeconds(1) : slotWatch.interval());
  }

  /**
   * The WritesDropped condition: with strict mode pgstream never drops a write; without it, the
   * writes it dropped, from its log. True while the target is known to differ: until a snapshot or a
   * matching verification completes after the last drop, even if strict mode has been turned on since.
   */
  private boolean droppedWrites(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s) {
    PgstreamPipelineStatus st = s.status();
    DroppedWritesStatus before = st.droppedWrites;
    if (before != null && before.lastDroppedAt != null && repairedAfter(st, Instant.parse(before.lastDroppedAt))) {
      st.droppedWrites = null;
    }
    boolean strict = p.getSpec().target.effectiveStrictMode();
    if (!strict) {
      st.droppedWrites = droppedWritesWatch.observe(ctx.getClient(), p, st.droppedWrites);
    }
    if (st.droppedWrites == null || st.droppedWrites.total == null || st.droppedWrites.total == 0) {
      s.set(
          ConditionType.WritesDropped,
          false,
          strict ? "StrictMode" : "NoneSeen",
          strict
              ? "Strict mode is on: pgstream stops on a write the target rejects instead of dropping it"
              : "spec.target.strictMode is false: pgstream drops writes the target rejects and only logs them (severity"
                  + " DATALOSS); none seen so far");
      return false;
    }
    String message =
        ("pgstream dropped %d write statements the target rejected (the last seen at %s; severity DATALOSS in its log),"
                + " each with every row pgstream had coalesced into it, so the target differs from the source. Fix: remove"
                + " the cause (see pgstream's log), then take a new snapshot (change spec.snapshot.nonce) or check with"
                + " spec.verification.request; this clears once either completes%s.")
            .formatted(
                st.droppedWrites.total,
                st.droppedWrites.lastDroppedAt,
                strict ? "" : "; set spec.target.strictMode: true to stop instead of dropping");
    s.set(ConditionType.WritesDropped, true, "DroppedWrites", message);
    // The first drop is announced with the Degraded transition; later ones here.
    if (before != null && before.total != null && before.total > 0 && !Objects.equals(before.total, st.droppedWrites.total)) {
      events.warning(p, "DroppedWrites", message);
    }
    return true;
  }

  /** A snapshot or a matching verification completed after {@code time}. */
  private static boolean repairedAfter(PgstreamPipelineStatus st, Instant time) {
    boolean snapshot =
        st.snapshot != null && st.snapshot.state == StepState.Succeeded && st.snapshot.completedAt != null
            && Instant.parse(st.snapshot.completedAt).isAfter(time);
    boolean verified =
        st.verification != null && st.verification.state == VerificationState.Matched && st.verification.completedAt != null
            && Instant.parse(st.verification.completedAt).isAfter(time);
    return snapshot || verified;
  }

  /**
   * Records a step's condition and the phase it implies; true when the step succeeded. While a step
   * runs or after it failed, nothing downstream may run, so the streaming Deployment is removed
   * (it resumes from the slot later, losing nothing).
   */
  private boolean stepFinished(
      StatusUpdater s,
      PgstreamPipeline p,
      Context<PgstreamPipeline> ctx,
      ConditionType type,
      StepStatus step,
      Phase runningPhase) {
    if (step.state == StepState.Succeeded) {
      s.set(type, true, "Succeeded", step.message);
      return true;
    }
    children.deployment.delete(p, ctx);
    s.set(ConditionType.Streaming, false, "WaitingFor" + type.name(), "Streaming starts after " + type.name());
    if (step.state == StepState.Failed) {
      String reason = step.reason != null ? step.reason : runningPhase == Phase.Initializing ? "InitFailed" : "SnapshotFailed";
      s.phase(Phase.Failed);
      s.set(type, false, reason, step.message);
      Blocking.blocked(s, reason, step.message);
    } else {
      s.phase(runningPhase);
      s.set(type, false, step.reason != null ? step.reason : "Running", step.message);
      s.set(ConditionType.Degraded, false, "AsExpected", "No problems");
      s.set(ConditionType.Ready, false, runningPhase.name(), Suspension.requested(p) ? Suspension.waitsFor(step.job) + ". " + step.message : step.message);
    }
    return false;
  }

  private static String enumName(Enum<?> value) {
    return value.name().toLowerCase();
  }

  private Outcome waitFor(StatusUpdater s, Phase phase, Blocker blocker) {
    return Blocking.waitFor(s, phase, blocker, clock);
  }

  /** Drops what this machine remembers of a deleted pipeline. */
  void forget(PgstreamPipeline p) {
    slotWatch.forget(p);
    droppedWritesWatch.forget(p);
    verification.forget(p);
    inputs.forget(p);
  }
}
