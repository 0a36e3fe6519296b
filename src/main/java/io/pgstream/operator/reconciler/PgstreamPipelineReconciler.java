package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.ManagedInformerEventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.pgstream.operator.Errors;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.aws.AwsClients;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.credentials.CredentialsCache;
import io.pgstream.operator.credentials.CredentialsResolver;
import io.pgstream.operator.credentials.OfferedSecrets;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ReferableSecrets;
import io.pgstream.operator.credentials.ReferencedConfigMaps;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.NameConflictException;
import io.pgstream.operator.dependent.RunnerImages;
import io.pgstream.operator.metrics.PipelineMetrics;
import io.pgstream.operator.metrics.SlotMetrics;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.LogicalReplicationInEffect;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.prepare.Preparer;
import io.pgstream.operator.slots.SlotDropper;
import io.pgstream.operator.slots.SlotMonitor;
import io.pgstream.operator.slots.SlotPositions;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.tls.CaBundleResolver;
import io.pgstream.operator.transform.TransformationRules;
import io.pgstream.operator.verify.Verifier;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Composes the parts: the {@link PhaseMachine} moves a pipeline through its phases, the {@link
 * Announcer} tells what changed, the status is written once per reconcile, and the {@link
 * DeletionHandler} decides what deleting it does to its slot.
 */
// A reconcile that throws is retried without giving up, backing off to at most 5 minutes (JOSDK's default
// gives up after 5 attempts); any pipeline is looked at again after at most 10 minutes (default 10 h).
// Annotation edits (retry, abort) change no generation, so generation-aware filtering would drop them.
@ControllerConfiguration(
    name = PgstreamPipelineReconciler.NAME,
    generationAwareEventProcessing = false,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES),
    informer = @Informer(onUpdateFilter = SpecOrVerbChanged.class))
@GradualRetry(maxAttempts = -1, maxInterval = 300_000)
public class PgstreamPipelineReconciler implements Reconciler<PgstreamPipeline>, Cleaner<PgstreamPipeline> {
  public static final String NAME = "pgstreampipeline";
  static final Duration MIN_RECHECK = Blocking.MIN_RECHECK;
  /** How long resolved credentials are reused within one generation; bounds how late a rotation shows. */
  static final Duration CREDENTIALS_REFRESH = Duration.ofMinutes(5);

  private final Dependents children = new Dependents();
  private final PhaseMachine phases;
  private final DeletionHandler deletion;
  private final Announcer announcer;
  private final AbandonedSlots abandonedSlots;
  private final PipelineMetrics metrics;
  private final SlotWatch slotWatch;
  private final Clock clock;
  private final OfferedSecrets offeredSecrets = new OfferedSecrets();
  private final ReconcileGate gate = new ReconcileGate();

  public PgstreamPipelineReconciler(KubernetesClient client, OperatorSettings settings, Clock clock) {
    DatabaseConnector database = settings.database();
    ReferableSecrets secrets = new ReferableSecrets(client, settings.guards().requireSecretReferenceLabel(), offeredSecrets);
    EventRecorder events = new EventRecorder(client, clock);
    AllowListGate allowLists = new AllowListGate(settings.guards());
    RunnerImages runners = new RunnerImages(settings.runnerImages(), settings.pgstreamImage());
    PipelineInputs inputs =
        new PipelineInputs(
            new CredentialsCache(new CredentialsResolver(secrets), CREDENTIALS_REFRESH, clock),
            new CaBundleResolver(client, secrets, settings.defaultCaBundle()),
            new TransformationRules(new ReferencedConfigMaps(client)),
            new PgstreamConfigRenderer(),
            runners,
            children);
    Notices notices = new Notices(events);
    SlotDropper slotDropper = new SlotDropper(database);
    this.abandonedSlots = new AbandonedSlots(slotDropper, events, notices);
    RdsGate rds =
        new RdsGate(
            new AwsClients(settings.awsEndpoint()), settings.awsPowers(), new LogicalReplicationInEffect(database), events, clock);
    this.metrics = new PipelineMetrics(settings.registry());
    this.slotWatch = new SlotWatch(new SlotMonitor(database), new SlotMetrics(settings.registry()), events, settings.slotCheckInterval(), clock);
    this.phases =
        new PhaseMachine(
            allowLists,
            inputs,
            children,
            rds,
            new PrepareGate(new Preparer(database), rds, events),
            new PreflightGate(new Preflight(database), events),
            new SnapshotStateGate(
                database, events, clock, new ErasedSlotRecords(database, children, inputs, allowLists, new LostSlotRecords(database, clock))),
            new ProgressRecorder(database, events, clock),
            new PopulatedTargetGate(database, events),
            new SnapshotPosition(new SlotPositions(database)),
            slotWatch,
            new DroppedWritesWatch(clock),
            new VerificationGate(new Verifier(database, Verifier.DEFAULT_SLOT_WAIT, clock), events, metrics, clock),
            runners,
            new SlotRecords(clock),
            abandonedSlots,
            events,
            clock);
    this.deletion = new DeletionHandler(phases, inputs, allowLists, children, metrics, events, notices, slotDropper, clock);
    this.announcer = new Announcer(events);
    this.clock = clock;
  }

  /** Closed by the operator's stop before JOSDK stops the informers. */
  public ReconcileGate gate() {
    return gate;
  }

  @Override
  public List<EventSource<?, PgstreamPipeline>> prepareEventSources(EventSourceContext<PgstreamPipeline> ctx) {
    List<EventSource<?, PgstreamPipeline>> sources = new ArrayList<>(children.eventSources(ctx));
    sources.add(new SlotEventSource(slotWatch, ctx));
    sources.add(offeredSecrets.eventSource(ctx));
    String fieldManager = ctx.getControllerConfiguration().fieldManager();
    CachePruning.install(ctx.getPrimaryCache(), PgstreamPipeline.class, fieldManager);
    for (EventSource<?, PgstreamPipeline> source : sources) {
      if (source instanceof ManagedInformerEventSource<?, ?, ?> informer) {
        prune(informer, fieldManager);
      }
    }
    return sources;
  }

  private static <R extends HasMetadata> void prune(ManagedInformerEventSource<R, ?, ?> informer, String fieldManager) {
    CachePruning.install(informer, informer.resourceType(), fieldManager);
  }

  @Override
  public UpdateControl<PgstreamPipeline> reconcile(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    // Once the operator is stopping, the next one reconciles.
    return gate.pass(() -> reconcileOpen(p, ctx), UpdateControl.noUpdate());
  }

  private UpdateControl<PgstreamPipeline> reconcileOpen(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    StatusUpdater status = new StatusUpdater(p, clock);
    Outcome outcome;
    try {
      outcome = paused(p, status) ? Outcome.onChange() : phases.progress(p, ctx, status);
    } catch (NameConflictException e) {
      // The other object is not watched (it carries none of our labels), so look again later.
      outcome = Blocking.waitFor(status, Phase.Failed, new Blocker("NameConflict", e.getMessage()), clock);
    }
    if (status.changed()) {
      StatusWriter.write(p, ctx, status.status());
    }
    // After the write: a reconcile whose write fails counts as an error (updateErrorStatus), not a success.
    metrics.reconciled(p, status.status());
    // After the write: a conflict re-runs the reconcile, which then tells the transition once.
    announcer.announce(p, status.before(), status.status());
    abandonedSlots.announce(p, status.before(), status.status());
    UpdateControl<PgstreamPipeline> control = UpdateControl.noUpdate();
    outcome.recheckAfter().ifPresent(control::rescheduleAfter);
    return control;
  }

  @Override
  public ErrorStatusUpdateControl<PgstreamPipeline> updateErrorStatus(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, Exception e) {
    if (interrupted(e)) {
      // The operator is stopping: this is no problem of the pipeline, and the next operator goes on.
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    metrics.reconcileFailed(p.getMetadata().getNamespace(), p.getMetadata().getName());
    StatusUpdater s = new StatusUpdater(p, clock);
    Collection<String> secrets =
        ctx.managedWorkflowAndDependentResourceContext()
            .get(ResolvedCredentials.class, ResolvedCredentials.class)
            .map(ResolvedCredentials::secretValues)
            .orElse(List.of());
    String message = "Reconcile failed, retrying with backoff: " + Redactor.redact(Errors.rootMessage(e), secrets);
    Blocking.blocked(s, "ReconcileError", message);
    announcer.announce(p, s.before(), s.status());
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

  /**
   * pgstream.io/reconcile-paused: nothing but its condition, and the slot watch stops querying the source;
   * the annotation's removal is an update that starts the next reconcile.
   */
  private boolean paused(PgstreamPipeline p, StatusUpdater status) {
    if (!ReconcilePause.paused(p)) {
      ReconcilePause.lift(status);
      return false;
    }
    ReconcilePause.hold(p, status);
    slotWatch.forget(p);
    return true;
  }

  @Override
  public DeleteControl cleanup(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    // Once the operator is stopping, the next one deletes.
    return gate.pass(() -> cleanupOpen(p, ctx), DeleteControl.noFinalizerRemoval());
  }

  private DeleteControl cleanupOpen(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    StatusUpdater status = new StatusUpdater(p, clock);
    if (paused(p, status)) {
      if (status.changed()) {
        StatusWriter.write(p, ctx, status.status());
      }
      announcer.announce(p, status.before(), status.status());
      return DeleteControl.noFinalizerRemoval();
    }
    return deletion.cleanup(p, ctx);
  }
}
