package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pgstream.operator.Errors;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.DroppedWritesStatus;
import io.pgstream.operator.aws.AwsClients;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.api.VerificationState;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.CredentialsCache;
import io.pgstream.operator.credentials.CredentialsResolver;
import io.pgstream.operator.credentials.ReferableSecrets;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.preflight.Finding;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.prepare.Preparer;
import io.pgstream.operator.metrics.PipelineMetrics;
import io.pgstream.operator.slots.SlotMonitor;
import io.pgstream.operator.slots.SlotPositions;
import io.pgstream.operator.dependent.ConfigMapDependent;
import io.pgstream.operator.dependent.NameConflictException;
import io.pgstream.operator.dependent.CredentialsSecretDependent;
import io.pgstream.operator.dependent.PipelineContext;
import io.pgstream.operator.dependent.RunnerImages;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.dependent.StepJobDependent;
import io.pgstream.operator.dependent.StreamingDeploymentDependent;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.tls.CaBundleResolver;
import io.pgstream.operator.validation.PipelineValidator;
import io.pgstream.operator.validation.TlsRequirements;
import io.pgstream.operator.verify.Verifier;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Composes the pieces in order: validate, resolve credentials, render config, then the phases
 * init → snapshot → streaming, each only after the one before it finished for the current spec.
 * Progress lives in status, so a restarted operator resumes where it was.
 */
@ControllerConfiguration(name = PgstreamPipelineReconciler.NAME)
public class PgstreamPipelineReconciler implements Reconciler<PgstreamPipeline>, Cleaner<PgstreamPipeline> {
  public static final String NAME = "pgstreampipeline";
  static final Duration MIN_RECHECK = Duration.ofSeconds(10);
  static final Duration MAX_RECHECK = Duration.ofMinutes(5);
  private static final Logger LOG = LoggerFactory.getLogger(PgstreamPipelineReconciler.class);

  private final ConfigMapDependent configMap = new ConfigMapDependent();
  private final CredentialsSecretDependent credentialsSecret = new CredentialsSecretDependent();
  private final Map<Step, StepJobDependent> jobs = new EnumMap<>(Step.class);
  private final StreamingDeploymentDependent deployment = new StreamingDeploymentDependent();
  private final PgstreamConfigRenderer renderer = new PgstreamConfigRenderer();
  /** How long resolved credentials are reused within one generation; bounds how late a rotation shows. */
  static final Duration CREDENTIALS_REFRESH = Duration.ofMinutes(5);

  private final CredentialsCache credentials;
  private final AllowListGate allowLists;
  private final CaBundleResolver caBundles;
  private final RdsGate rds;
  private final PrepareGate prepare;
  private final PreflightGate preflight;
  private final PopulatedTargetGate populatedTarget;
  private final ReplayWindow replayWindow;
  private final SlotWatch slotWatch;
  private final DroppedWritesWatch droppedWritesWatch;
  private final VerificationGate verification;
  private final PipelineMetrics metrics;
  private final RunnerImages runners;
  private final EventRecorder events;
  private final Clock clock;

  public PgstreamPipelineReconciler(KubernetesClient client, OperatorSettings settings, Clock clock) {
    DatabaseConnector database = settings.database();
    for (Step step : Step.values()) {
      jobs.put(step, new StepJobDependent(step));
    }
    ReferableSecrets secrets = new ReferableSecrets(client, settings.guards().requireSecretReferenceLabel());
    this.credentials = new CredentialsCache(new CredentialsResolver(secrets), CREDENTIALS_REFRESH, clock);
    this.allowLists = new AllowListGate(settings.guards());
    this.caBundles = new CaBundleResolver(client, secrets, settings.defaultCaBundle());
    this.events = new EventRecorder(client, clock);
    this.rds = new RdsGate(new AwsClients(settings.awsEndpoint()), settings.awsPowers(), events);
    this.prepare = new PrepareGate(new Preparer(database), rds, events);
    this.preflight = new PreflightGate(new Preflight(database), events);
    this.populatedTarget = new PopulatedTargetGate(database, events);
    this.replayWindow = new ReplayWindow(new SlotPositions(database));
    this.metrics = new PipelineMetrics(settings.registry());
    this.runners = new RunnerImages(settings.runnerImages(), settings.pgstreamImage());
    this.slotWatch = new SlotWatch(new SlotMonitor(database), metrics, events, settings.slotCheckInterval(), clock);
    this.droppedWritesWatch = new DroppedWritesWatch(clock);
    this.verification = new VerificationGate(new Verifier(database, Verifier.DEFAULT_SLOT_WAIT, clock), events, metrics, clock);
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, PgstreamPipeline>> prepareEventSources(EventSourceContext<PgstreamPipeline> ctx) {
    // One Job informer serves the three step dependents; each picks its Job by name.
    InformerEventSource<Job, PgstreamPipeline> jobSource = jobs.get(Step.INIT).eventSource(ctx).orElseThrow();
    jobs.get(Step.SNAPSHOT).setEventSource(jobSource);
    jobs.get(Step.DESTROY).setEventSource(jobSource);
    return List.of(
        configMap.eventSource(ctx).orElseThrow(),
        credentialsSecret.eventSource(ctx).orElseThrow(),
        jobSource,
        deployment.eventSource(ctx).orElseThrow());
  }

  @Override
  public UpdateControl<PgstreamPipeline> reconcile(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    StatusUpdater status = new StatusUpdater(p, clock);
    Outcome outcome;
    try {
      outcome = progress(p, ctx, status);
    } catch (NameConflictException e) {
      // The other object is not watched (it carries none of our labels), so look again later.
      outcome = waitFor(status, Phase.Failed, new Blocker("NameConflict", e.getMessage()));
    }
    announce(p, status.before(), status.status());
    metrics.phase(p.getMetadata().getNamespace(), p.getMetadata().getName(), status.status().phase);
    if (status.changed()) {
      writeStatus(p, ctx, status.status());
    }
    UpdateControl<PgstreamPipeline> control = UpdateControl.noUpdate();
    outcome.recheckAfter().ifPresent(control::rescheduleAfter);
    return control;
  }

  /**
   * Writes the status with optimistic locking and puts the result in the informer's cache, so the
   * next reconcile, whatever triggers it, starts from this status and neither repeats an Event nor
   * writes the same status again.
   */
  private static void writeStatus(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus status) {
    if (ctx.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource()) {
      PgstreamPipeline fresh = new PgstreamPipeline();
      fresh.setMetadata(
          new ObjectMetaBuilder()
              .withName(p.getMetadata().getName())
              .withNamespace(p.getMetadata().getNamespace())
              .build());
      fresh.setStatus(status);
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(p, fresh, ctx);
    } else {
      PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(
          p,
          ctx,
          r -> {
            r.setStatus(status);
            return r;
          });
    }
  }

  private Outcome progress(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s) {
    List<String> problems = PipelineValidator.validate(p);
    if (!problems.isEmpty()) {
      String message = "Invalid spec: " + String.join("; ", problems);
      String reason = TlsRequirements.soleReason(problems, p.getSpec()).orElse("InvalidSpec");
      s.phase(Phase.Failed);
      s.set(ConditionType.ConfigRendered, false, reason, message);
      blocked(s, reason, message);
      return Outcome.onChange();
    }
    Blocker refused = allowLists.check(p, s);
    if (refused != null) {
      return waitFor(s, Phase.Pending, refused);
    }
    CredentialsResolver.Result resolved = credentials.resolve(p);
    if (resolved instanceof CredentialsResolver.Unavailable unavailable) {
      s.set(ConditionType.ConfigRendered, false, unavailable.problem().reason(), unavailable.problem().message());
      // Secrets are not watched (that would cache every Secret of the cluster).
      return waitFor(s, Phase.Pending, new Blocker(unavailable.problem().reason(), unavailable.problem().message()));
    }
    ResolvedCredentials creds = ((CredentialsResolver.Resolved) resolved).credentials();
    Optional<CaBundleResolver.Problem> untrusted = caBundles.resolveInto(p);
    if (untrusted.isPresent()) {
      s.set(ConditionType.ConfigRendered, false, untrusted.get().reason(), untrusted.get().message());
      return waitFor(s, Phase.Pending, new Blocker(untrusted.get().reason(), untrusted.get().message()));
    }
    RenderedConfig config = renderer.render(p);
    PipelineContext.put(ctx, config, creds, runners.pgstreamImage(p));
    credentialsSecret.reconcile(p, ctx);
    configMap.reconcile(p, ctx);
    PgstreamPipelineStatus st = s.status();
    st.configHash = config.contentHash();
    st.replicationSlot = p.getSpec().mode.replicates() ? ReplicationSlots.slotFor(p) : null;
    s.set(
        ConditionType.ConfigRendered,
        true,
        "Rendered",
        "pgstream config rendered into ConfigMap " + Children.configMap(p) + " (hash " + config.contentHash() + ")");

    // AWS and database state are not watched either: each gate is checked again after a growing delay.
    Blocker blocker = rds.check(p, s, config);
    if (blocker == null) {
      blocker = prepare.prepare(p, s, config, creds);
    }
    if (blocker == null) {
      Finding finding = preflight.check(p, s, config, creds);
      blocker = finding == null ? null : new Blocker(finding.code(), "Preflight failed: " + finding.describe());
    }
    if (blocker != null) {
      return waitFor(s, Phase.Pending, blocker);
    }
    Optional<Outcome> waiting = initialise(p, ctx, s, config, creds);
    if (waiting.isEmpty()) {
      waiting = snapshot(p, ctx, s, config, creds);
    }
    return waiting.orElseGet(() -> stream(p, ctx, s, creds));
  }

  /** pgstream init, then (with initAsAdmin) the hand-over of its objects; empty when done. */
  private Optional<Outcome> initialise(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().mode.replicates()) {
      s.set(ConditionType.Initialized, true, "NotRequired", "mode snapshot uses no replication slot");
      return Optional.empty();
    }
    if (st.init == null || !st.init.succeededFor(config.initHash())) {
      st.init = StepRunner.advance(jobs.get(Step.INIT), p, ctx, st.init, config, creds.secretValues());
    }
    if (!stepFinished(s, p, ctx, ConditionType.Initialized, st.init, Phase.Initializing)) {
      s.set(ConditionType.SnapshotCompleted, false, "WaitingForInit", "The snapshot starts after pgstream init");
      return Optional.of(Outcome.onChange());
    }
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
      blocked(s, "NoSnapshotRunner", message);
      return Optional.of(Outcome.onChange());
    }
    PipelineContext.snapshotImage(ctx, image.get());
    String nonce = p.getSpec().snapshot == null ? null : p.getSpec().snapshot.nonce;
    boolean done = st.snapshot != null && st.snapshot.state == StepState.Succeeded && Objects.equals(st.snapshot.nonce, nonce);
    if (!done && !StepRunner.current(jobs.get(Step.SNAPSHOT), p, ctx, config)) {
      Optional<Outcome> notYet = beforeSnapshotJob(p, ctx, s, creds);
      if (notYet.isPresent()) {
        return notYet;
      }
    }
    if (!done) {
      st.snapshot = StepRunner.advance(jobs.get(Step.SNAPSHOT), p, ctx, st.snapshot, config, creds.secretValues());
      st.snapshot.nonce = nonce;
    }
    if (!stepFinished(s, p, ctx, ConditionType.SnapshotCompleted, st.snapshot, Phase.Snapshotting)) {
      return Optional.of(Outcome.onChange());
    }
    replayWindow.recordSnapshotEnd(p, st.snapshot, creds);
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
      return Optional.of(streaming.orSooner(Optional.of(recheckDelay(st))));
    }
    String snapshotJob = Children.job(p, Step.SNAPSHOT);
    jobs.get(Step.SNAPSHOT).getSecondaryResource(p, ctx)
        .ifPresent(old -> ctx.getClient().resource(old).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
    boolean writing =
        deployment.getSecondaryResource(p, ctx).isPresent()
            || PipelinePods.anyUnfinished(PipelinePods.streaming(ctx.getClient(), p))
            || PipelinePods.anyUnfinished(PipelinePods.ofJob(ctx.getClient(), p.getMetadata().getNamespace(), snapshotJob));
    if (writing) {
      deployment.delete(p, ctx);
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
      s.phase(Phase.Completed);
      s.set(ConditionType.Streaming, false, "NotRequired", "mode snapshot does not stream");
      s.set(ConditionType.Degraded, false, "AsExpected", "No problems");
      s.set(ConditionType.Ready, true, "SnapshotCompleted", st.snapshot.message);
      return Outcome.onChange().orSooner(verification.observe(p, s, creds));
    }
    Deployment actual = deployment.reconcile(p, ctx).getSingleResource().orElse(null);
    String name = Children.deployment(p);
    s.phase(Phase.Streaming);
    if (p.getSpec().preflightEnforced()) {
      st.slot = slotWatch.observe(p, ctx, st.slot, creds);
      replayWindow.observe(p, st.snapshot, creds);
    }
    SlotWatch.Problem slotProblem = SlotWatch.problem(p, st.slot);
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
      blocked(s, problem.reason(), problem.message());
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
    // Slot lag and pgstream's log change without any Kubernetes event: look again after the measuring interval.
    boolean watching = p.getSpec().preflightEnforced() || !p.getSpec().target.effectiveStrictMode();
    Outcome watch = watching ? Outcome.after(slotWatch.interval()) : Outcome.onChange();
    return watch.orSooner(verification.observe(p, s, creds));
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

  /** The pipeline waits on something outside Kubernetes: say so, and look again after a growing delay. */
  private Outcome waitFor(StatusUpdater s, Phase phase, Blocker blocker) {
    s.phase(phase);
    blocked(s, blocker.reason(), blocker.message());
    return Outcome.after(recheckDelay(s.status()));
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
    deployment.delete(p, ctx);
    s.set(ConditionType.Streaming, false, "WaitingFor" + type.name(), "Streaming starts after " + type.name());
    if (step.state == StepState.Failed) {
      String reason = runningPhase == Phase.Initializing ? "InitFailed" : "SnapshotFailed";
      s.phase(Phase.Failed);
      s.set(type, false, reason, step.message);
      blocked(s, reason, step.message);
    } else {
      s.phase(runningPhase);
      s.set(type, false, "Running", step.message);
      s.set(ConditionType.Degraded, false, "AsExpected", "No problems");
      s.set(ConditionType.Ready, false, runningPhase.name(), step.message);
    }
    return false;
  }

  private static String enumName(Enum<?> value) {
    return value.name().toLowerCase();
  }

  private static void blocked(StatusUpdater s, String reason, String message) {
    s.set(ConditionType.Degraded, true, reason, message);
    s.set(ConditionType.Ready, false, reason, message);
  }

  /** Doubles with the time the problem has lasted, between 10 s and 5 min. */
  private Duration recheckDelay(PgstreamPipelineStatus status) {
    Instant since =
        StatusUpdater.condition(status, ConditionType.Degraded)
            .map(c -> Instant.parse(c.getLastTransitionTime()))
            .orElse(Instant.now(clock));
    Duration elapsed = Duration.between(since, Instant.now(clock));
    if (elapsed.compareTo(MIN_RECHECK) < 0) {
      return MIN_RECHECK;
    }
    return elapsed.compareTo(MAX_RECHECK) > 0 ? MAX_RECHECK : elapsed;
  }

  /** Events for what changed: a new phase, and a problem appearing, changing or clearing. */
  private void announce(PgstreamPipeline p, PgstreamPipelineStatus before, PgstreamPipelineStatus after) {
    if (after.phase != before.phase && after.phase != Phase.Failed) {
      String message =
          StatusUpdater.condition(after, ConditionType.Ready).map(c -> c.getMessage()).orElse(after.phase.name());
      events.normal(p, after.phase.name(), message);
      LOG.info("{}/{}: phase {} -> {}", p.getMetadata().getNamespace(), p.getMetadata().getName(), before.phase, after.phase);
    }
    if (StatusUpdater.transitioned(before, after, ConditionType.Degraded)) {
      StatusUpdater.condition(after, ConditionType.Degraded)
          .ifPresent(
              c -> {
                if ("True".equals(c.getStatus())) {
                  events.warning(p, c.getReason(), c.getMessage());
                  LOG.warn("{}/{}: {}", p.getMetadata().getNamespace(), p.getMetadata().getName(), c.getReason());
                } else if (StatusUpdater.condition(before, ConditionType.Degraded).isPresent()) {
                  events.normal(p, "Recovered", "The earlier problem is resolved");
                }
              });
    }
  }

  @Override
  public ErrorStatusUpdateControl<PgstreamPipeline> updateErrorStatus(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, Exception e) {
    if (interrupted(e)) {
      // The operator is stopping: this is no problem of the pipeline, and the next operator goes on.
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    StatusUpdater s = new StatusUpdater(p, clock);
    Collection<String> secrets =
        ctx.managedWorkflowAndDependentResourceContext()
            .get(ResolvedCredentials.class, ResolvedCredentials.class)
            .map(ResolvedCredentials::secretValues)
            .orElse(List.of());
    String message = "Reconcile failed, retrying with backoff: " + Redactor.redact(Errors.rootMessage(e), secrets);
    blocked(s, "ReconcileError", message);
    announce(p, s.before(), s.status());
    if (!s.changed()) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    p.setStatus(s.status());
    return ErrorStatusUpdateControl.patchStatus(p);
  }

  private static boolean interrupted(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InterruptedException || t instanceof InterruptedIOException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public DeleteControl cleanup(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    slotWatch.forget(p);
    droppedWritesWatch.forget(p);
    verification.forget(p);
    credentials.forget(p);
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
    if (deployment.getSecondaryResource(p, ctx).isPresent()) {
      // The slot cannot be dropped while pgstream run holds it.
      deployment.delete(p, ctx);
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
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(MAX_RECHECK);
    }
    CredentialsResolver.Result resolved = credentials.resolve(p);
    if (resolved instanceof CredentialsResolver.Unavailable unavailable) {
      events.warning(
          p,
          "DestroyBlocked",
          "Cannot drop replication slot %s: %s. Restore the Secret, or remove the finalizer to leave the slot."
              .formatted(st.replicationSlot, unavailable.problem().message()));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(MAX_RECHECK);
    }
    ResolvedCredentials creds = ((CredentialsResolver.Resolved) resolved).credentials();
    Optional<CaBundleResolver.Problem> untrusted = caBundles.resolveInto(p);
    if (untrusted.isPresent()) {
      events.warning(
          p,
          "DestroyBlocked",
          "Cannot drop replication slot %s: %s. Restore it, or remove the finalizer to leave the slot."
              .formatted(st.replicationSlot, untrusted.get().message()));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(MAX_RECHECK);
    }
    RenderedConfig config = renderer.render(p);
    PipelineContext.put(ctx, config, creds, runners.pgstreamImage(p));
    credentialsSecret.reconcile(p, ctx);
    configMap.reconcile(p, ctx);
    StepStatus destroy =
        StepRunner.advance(jobs.get(Step.DESTROY), p, ctx, null, config, creds.secretValues());
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
