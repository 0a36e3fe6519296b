package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineState;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.StepRetry;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.Conditions;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestOperators;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The day-2 verbs on a running pipeline: the reconcile-pause annotation, spec.state (Suspended,
 * Running), automatic retry (spec.retry) and the restart annotation. The real operator against the mock API server in CRUD mode, the preflight and the slot on
 * the embedded PostgreSQL.
 */
@EnableKubernetesMockClient(crud = true)
class DayTwoVerbsTest {
  static final String NAME = "ledger";

  KubernetesClient client;
  FakeKubelet kubelet;
  Operator operator;
  final TestPostgres pg = TestDatabases.ready();

  @BeforeEach
  void start() {
    // The machine may be loaded: other test JVMs share it.
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    kubelet = new FakeKubelet(client);
    operator = TestOperators.started(client);
  }

  @AfterEach
  void stop() {
    operator.stop();
    TestDatabases.dropSlots();
    pg.execute(TestDatabases.SOURCE_DB, "DROP TABLE IF EXISTS public.wal_filler");
    Awaitility.reset();
  }

  @Test
  void anEditWhilePausedWritesNoChildAndUnpausingAppliesIt() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    objects().driveToStreaming(p, ReplicationSlots.slotFor(p), kubelet);
    long observed = pipeline().getStatus().observedGeneration;

    annotate(Annotations.RECONCILE_PAUSED, "true");
    await().until(() -> "True/AnnotationSet".equals(Conditions.of(pipeline(), "ReconcilePaused")));
    assertThat(Conditions.message(pipeline(), "ReconcilePaused")).contains("creates, updates and deletes nothing", "Remove the annotation");
    assertThat(eventReasons()).containsOnlyOnce("ReconcilePaused");
    Map<String, String> children = childVersions();
    String status = statusJson();

    objects().edit(x -> {
      x.getSpec().target.batch = new BatchSpec();
      x.getSpec().target.batch.timeoutMillis = 250;
    });
    // A streaming pod starting while paused wakes the operator (pod events), which still does nothing.
    kubelet.streamingPodStarted(deployment());
    await().pollDelay(Duration.ofSeconds(4)).until(() -> true);
    assertThat(childVersions()).as("no child created, updated or deleted").isEqualTo(children);
    assertThat(statusJson()).as("status written once, for the condition").isEqualTo(status);
    assertThat(pipeline().getStatus().observedGeneration).as("the edit shows as not acted on").isEqualTo(observed);
    assertThat(Conditions.of(pipeline(), "Ready")).isEqualTo("True/Streaming");

    annotate(Annotations.RECONCILE_PAUSED, null);
    await().until(() -> !children.get("ConfigMap/" + NAME + "-pgstream-config").equals(childVersions().get("ConfigMap/" + NAME + "-pgstream-config")));
    await().until(() -> pipeline().getStatus().configHash.equals(podConfigHash()) && pipeline().getStatus().observedGeneration > observed);
    assertThat(Conditions.of(pipeline(), "ReconcilePaused")).isNull();
    await().until(() -> eventReasons().contains("ReconcileResumed"));
    objects().awaitStreaming(kubelet);
  }

  @Test
  void aPausedPipelineIsDeletedOnlyOnceUnpaused() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    String slot = ReplicationSlots.slotFor(p);
    objects().driveToStreaming(p, slot, kubelet);
    annotate(Annotations.RECONCILE_PAUSED, "true");
    await().until(() -> "True/AnnotationSet".equals(Conditions.of(pipeline(), "ReconcilePaused")));

    objects().pipelines().withName(NAME).delete();
    await().until(() -> "True/DeletionWaits".equals(Conditions.of(pipeline(), "ReconcilePaused")));
    assertThat(Conditions.message(pipeline(), "ReconcilePaused")).contains("deletion waits too", "Remove the annotation");
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(pipeline()).as("the finalizer stays").isNotNull();
    assertThat(deployment()).as("the stream is not stopped").isNotNull();
    assertThat(deployment().getMetadata().getDeletionTimestamp()).isNull();
    assertThat(eventReasons()).doesNotContain("SlotRetained");

    annotate(Annotations.RECONCILE_PAUSED, null);
    await().until(() -> pipeline() == null);
    assertThat(eventReasons()).contains("SlotRetained");
    assertThat(TestDatabases.slotExists(slot)).as("deletionPolicy Retain").isTrue();
  }

  @Test
  void suspendedWhileStreamingTheDeploymentGoesTheSlotStaysMeasuredAndResumingRecreatesIt() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    String slot = ReplicationSlots.slotFor(p);
    objects().driveToStreaming(p, slot, kubelet);
    String records = Serialization.asJson(pipeline().getStatus().slotsCreated);
    String init = job("init").getMetadata().getUid();

    objects().edit(x -> x.getSpec().state = PipelineState.Suspended);
    await().until(() -> deployment() == null && pipeline().getStatus().phase == Phase.Suspended);
    assertThat(Conditions.of(pipeline(), "Ready")).isEqualTo("False/Suspended");
    assertThat(Conditions.of(pipeline(), "Streaming")).isEqualTo("False/Suspended");
    await().until(() -> Conditions.message(pipeline(), "Ready").contains("of WAL (status.slot)"));
    assertThat(Conditions.message(pipeline(), "Ready"))
        .contains("Deployment " + NAME + "-stream removed", "slot " + slot + " stays", "spec.state: Running");
    assertThat(TestDatabases.slotExists(slot)).isTrue();
    assertThat(Serialization.asJson(pipeline().getStatus().slotsCreated)).isEqualTo(records);
    await().until(() -> eventReasons().contains("Suspended"));

    // Nothing consumes the slot: WAL written now stays, and past spec.maxRetainedWalBytes the pipeline is Degraded.
    objects().edit(x -> x.getSpec().maxRetainedWalBytes = 1048576L);
    await().until(() -> pipeline().getStatus().observedGeneration.equals(pipeline().getMetadata().getGeneration()));
    // Long enough for the watch to drop a slot nothing renews: the suspended one stays watched on its own.
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    pg.execute(TestDatabases.SOURCE_DB, "CREATE TABLE public.wal_filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 30000) g");
    await().until(() -> "True/SlotLagHigh".equals(Conditions.of(pipeline(), "Degraded")));
    assertThat(Conditions.message(pipeline(), "Degraded")).contains("suspended");
    assertThat(pipeline().getStatus().slot.state).isEqualTo("LagHigh");
    assertThat(deployment()).isNull();

    objects().edit(x -> x.getSpec().state = PipelineState.Running);
    await().until(() -> deployment() != null);
    objects().awaitStreaming(kubelet);
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Streaming);
    assertThat(job("init").getMetadata().getUid()).as("no new init: the Deployment continues from the slot").isEqualTo(init);
    assertThat(Serialization.asJson(pipeline().getStatus().slotsCreated)).isEqualTo(records);
  }

  @Test
  void suspendedDuringASnapshotItFinishesThenNothingStartsUntilResumed() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    Pipelines.secretsFor(NAME).forEach(x -> client.resource(x).create());
    objects().pipelines().resource(p).create();
    await().until(() -> job("init") != null);
    TestDatabases.createSlot(ReplicationSlots.slotFor(p));
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
    await().until(() -> job("snapshot") != null);
    String snapshotJob = job("snapshot").getMetadata().getUid();

    objects().edit(x -> x.getSpec().state = PipelineState.Suspended);
    await().until(() -> Conditions.message(pipeline(), "Ready").contains("runs to its end first"));
    assertThat(Conditions.message(pipeline(), "Ready")).contains("Job " + NAME + "-snapshot", Annotations.ABORT);
    assertThat(job("snapshot").getMetadata().getDeletionTimestamp()).as("the running snapshot is not stopped").isNull();
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Snapshotting);

    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> pipeline().getStatus().phase == Phase.Suspended);
    assertThat(deployment()).as("no stream after the snapshot").isNull();

    objects().edit(x -> x.getSpec().snapshot.nonce = "again");
    await().until(() -> Conditions.message(pipeline(), "Ready").contains("the snapshot (Job " + NAME + "-snapshot) does not start"));
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("no new snapshot while suspended").isEqualTo(snapshotJob);
    assertThat(job("snapshot").getMetadata().getDeletionTimestamp()).isNull();
    assertThat(deployment()).isNull();

    objects().edit(x -> x.getSpec().state = null);
    await().until(() -> {
      Job now = job("snapshot");
      return now == null || now.getMetadata().getDeletionTimestamp() != null || !snapshotJob.equals(now.getMetadata().getUid());
    });
  }

  @Test
  void aPipelineCreatedSuspendedRecordsAndStartsNothingUntilRunning() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().state = PipelineState.Suspended;
    Pipelines.secretsFor(NAME).forEach(x -> client.resource(x).create());
    objects().pipelines().resource(p).create();
    await().until(() -> pipeline().getStatus() != null && pipeline().getStatus().phase == Phase.Suspended);
    assertThat(Conditions.message(pipeline(), "Ready")).contains("pgstream init does not start");
    assertThat(job("init")).isNull();
    assertThat(pipeline().getStatus().slotsCreated).as("no slot recorded: none will be made").isNull();

    objects().edit(x -> x.getSpec().state = PipelineState.Running);
    await().until(() -> job("init") != null);
  }

  @Test
  void aFailedInitIsRetriedAfterItsBackOffUntilItsAttemptsAreSpentAndTheRetryAnnotationStartsTheCountAgain() {
    PgstreamPipeline p = retried(Pipelines.onTestDatabase(NAME), 2);
    create(p);
    await().until(() -> job("init") != null);
    String first = fail("init", TRANSIENT);
    await().until(() -> Conditions.message(pipeline(), "Initialized").contains("Automatic retry 1 of 2 at"));
    assertThat(pipeline().getStatus().init.nextRetryAt).isNotNull();

    // No event wakes the operator after the failure: the back-off's reschedule does.
    await().until(() -> replaced("init", first) && pipeline().getStatus().init.attempts == 1);
    assertThat(Conditions.message(pipeline(), "Initialized")).contains("automatic retry 1");
    String second = fail("init", TRANSIENT);
    await().until(() -> Conditions.message(pipeline(), "Initialized").contains("Automatic retry 2 of 2 at"));
    await().until(() -> replaced("init", second) && pipeline().getStatus().init.attempts == 2);
    String third = fail("init", TRANSIENT);

    await().until(() -> "False/RetriesExhausted".equals(Conditions.of(pipeline(), "Initialized")));
    assertThat(Conditions.message(pipeline(), "Initialized")).contains("Gave up after 2 automatic retries", Annotations.RETRY);
    assertThat(pipeline().getStatus().init.nextRetryAt).isNull();
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Failed);
    await().until(() -> warnings().contains("RetriesExhausted"));
    await().pollDelay(Duration.ofSeconds(4)).until(() -> true);
    assertThat(job("init").getMetadata().getUid()).as("no retry after the last").isEqualTo(third);

    annotate(Annotations.RETRY, "by-hand");
    await().until(() -> replaced("init", third) && pipeline().getStatus().init.attempts == null);
    fail("init", TRANSIENT);
    await().until(() -> Conditions.message(pipeline(), "Initialized").contains("Automatic retry 1 of 2 at"));
  }

  @Test
  void aFailureThatNeedsAFixIsNotRetriedAutomatically() {
    create(retried(Pipelines.onTestDatabase(NAME), 3));
    await().until(() -> job("init") != null);
    String init = fail("init", "{\"level\":\"error\",\"message\":\"ERROR: permission denied for database app_source (SQLSTATE 42501)\"}");
    await().until(() -> "False/InitFailed".equals(Conditions.of(pipeline(), "Initialized")));
    assertThat(Conditions.message(pipeline(), "Initialized")).contains("Not retried automatically", "needs a fix", Annotations.RETRY);
    assertThat(pipeline().getStatus().init.nextRetryAt).isNull();
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(job("init").getMetadata().getUid()).isEqualTo(init);
  }

  @Test
  void aSnapshotIsRetriedAutomaticallyOnlyWhenItsTargetIsEmptiedBeforeEachCopy() {
    create(retried(Pipelines.onTestDatabase(NAME), 3));
    await().until(() -> job("init") != null);
    TestDatabases.createSlot(ReplicationSlots.slotFor(pipeline()));
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
    await().until(() -> job("snapshot") != null);
    String snapshot = fail("snapshot", TRANSIENT);
    await().until(() -> "False/SnapshotFailed".equals(Conditions.of(pipeline(), "SnapshotCompleted")));
    assertThat(Conditions.message(pipeline(), "SnapshotCompleted")).contains("Not retried automatically", "populatedTarget: Truncate");
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("a re-run would meet the rows it copied").isEqualTo(snapshot);

    // Truncate empties the target before each copy: from the next failure on, a snapshot is retried.
    objects().edit(x -> x.getSpec().snapshot.populatedTarget = PopulatedTargetPolicy.Truncate);
    annotate(Annotations.RETRY, "truncating");
    await().until(() -> replaced("snapshot", snapshot));
    await().until(() -> job("snapshot") != null && pipeline().getStatus().snapshot.state == StepState.Running);
    String truncating = fail("snapshot", TRANSIENT);
    await().until(() -> replaced("snapshot", truncating) && Integer.valueOf(1).equals(pipeline().getStatus().snapshot.attempts));
  }

  @Test
  void whileARetryWaitsAnUnchangedPipelineIsNotWrittenAndASuspendedOneDoesNotRetry() {
    PgstreamPipeline p = retried(Pipelines.onTestDatabase(NAME), 3);
    p.getSpec().retry.backoffSeconds = 20L;
    p.getSpec().retry.maxBackoffSeconds = 20L;
    create(p);
    await().until(() -> job("init") != null);
    String init = fail("init", TRANSIENT);
    await().until(() -> pipeline().getStatus().init.nextRetryAt != null);
    await().until(() -> warnings().contains("InitFailed"));
    Map<String, String> children = childVersions();
    String version = pipeline().getMetadata().getResourceVersion();
    int events = eventReasons().size();

    // A restart reconciles every pipeline at once; within the back-off that writes nothing.
    operator.stop();
    operator = TestOperators.started(client);
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(childVersions()).as("no child created, updated or deleted").isEqualTo(children);
    assertThat(pipeline().getMetadata().getResourceVersion()).as("no status write").isEqualTo(version);
    assertThat(eventReasons()).as("no Event").hasSize(events);

    objects().edit(x -> x.getSpec().state = PipelineState.Suspended);
    await().until(() -> Conditions.message(pipeline(), "Ready").contains("pgstream init does not start"));
    Instant due = Instant.parse(pipeline().getStatus().init.nextRetryAt);
    await().atMost(Duration.ofSeconds(40)).until(() -> Instant.now().isAfter(due.plusSeconds(3)));
    assertThat(job("init").getMetadata().getUid()).as("suspended: the due retry waits").isEqualTo(init);
    objects().edit(x -> x.getSpec().state = PipelineState.Running);
    await().until(() -> replaced("init", init) && Integer.valueOf(1).equals(pipeline().getStatus().init.attempts));
  }

  /** pgstream's last words when a connection drops: nothing to fix, worth a retry. */
  private static final String TRANSIENT = "{\"level\":\"error\",\"message\":\"read tcp 10.0.0.7:5432: connection reset by peer\"}";

  private static PgstreamPipeline retried(PgstreamPipeline p, int attempts) {
    p.getSpec().retry = new StepRetry();
    p.getSpec().retry.maxAttempts = attempts;
    p.getSpec().retry.backoffSeconds = 1L;
    p.getSpec().retry.maxBackoffSeconds = 2L;
    return p;
  }

  private void create(PgstreamPipeline p) {
    Pipelines.secretsFor(NAME).forEach(x -> client.resource(x).create());
    objects().pipelines().resource(p).create();
  }

  /** The step's Job fails with {@code log} as pgstream's output; its UID. */
  private String fail(String step, String log) {
    Job job = job(step);
    kubelet.jobPodFinished(kubelet.jobPodRunning(job), false, log);
    return job.getMetadata().getUid();
  }

  /** The step's Job is another than {@code uid}: the old one deleted and a new one created. */
  private boolean replaced(String step, String uid) {
    Job now = job(step);
    return now != null && now.getMetadata().getDeletionTimestamp() == null && !uid.equals(now.getMetadata().getUid());
  }

  private List<String> warnings() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType()))
        .map(Event::getReason)
        .toList();
  }

  @Test
  void aNewRestartValueRollsTheStreamOnceAndAValueLeftInPlaceNothing() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    objects().driveToStreaming(p, ReplicationSlots.slotFor(p), kubelet);
    long generation = deployment().getMetadata().getGeneration();
    assertThat(podAnnotations()).doesNotContainKey(Annotations.RESTART);

    annotate(Annotations.RESTART, "r1");
    await().until(() -> "r1".equals(podAnnotations().get(Annotations.RESTART)) && "r1".equals(pipeline().getStatus().restartHandled));
    assertThat(deployment().getMetadata().getGeneration()).as("one roll").isEqualTo(generation + 1);
    assertThat(deployment().getSpec().getStrategy().getType()).as("the old pod goes before the new one starts").isEqualTo("Recreate");
    await().until(() -> eventReasons().contains("StreamingRestarted"));
    objects().awaitStreaming(kubelet);

    // The value left in place (and another reconcile, woken by a pod event) rolls nothing and writes nothing.
    Map<String, String> children = childVersions();
    String status = statusJson();
    kubelet.streamingPodStarted(deployment());
    await().pollDelay(Duration.ofSeconds(4)).until(() -> true);
    assertThat(childVersions()).as("no child written for a handled value").isEqualTo(children);
    assertThat(statusJson()).as("no status written for a handled value").isEqualTo(status);
    assertThat(eventReasons()).containsOnlyOnce("StreamingRestarted");

    annotate(Annotations.RESTART, "r2");
    await().until(() -> "r2".equals(podAnnotations().get(Annotations.RESTART)));
    assertThat(deployment().getMetadata().getGeneration()).isEqualTo(generation + 2);
    objects().awaitStreaming(kubelet);

    // Status lost: the value in place is recorded again and the streaming pods carry it; no roll is announced.
    operator.stop();
    objects().eraseStatus();
    operator = TestOperators.started(client);
    await().until(() -> pipeline().getStatus().phase == Phase.Streaming && "r2".equals(pipeline().getStatus().restartHandled));
    await().until(() -> deployment() != null && "r2".equals(podAnnotations().get(Annotations.RESTART)));
    assertThat(eventReasons().stream().filter("StreamingRestarted"::equals)).as("announced once per roll").hasSize(2);
  }

  @Test
  void aRestartValueSetWhileSuspendedWaitsAndTheResumedDeploymentCarriesIt() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    objects().driveToStreaming(p, ReplicationSlots.slotFor(p), kubelet);
    objects().edit(x -> x.getSpec().state = PipelineState.Suspended);
    await().until(() -> deployment() == null && pipeline().getStatus().phase == Phase.Suspended);

    annotate(Annotations.RESTART, "while-suspended");
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(pipeline().getStatus().restartHandled).as("waits: nothing streams").isNull();
    assertThat(deployment()).isNull();

    objects().edit(x -> x.getSpec().state = PipelineState.Running);
    await().until(() -> deployment() != null);
    assertThat(podAnnotations()).containsEntry(Annotations.RESTART, "while-suspended");
    objects().awaitStreaming(kubelet);
    assertThat(pipeline().getStatus().restartHandled).isEqualTo("while-suspended");
    assertThat(deployment().getMetadata().getGeneration()).as("created carrying the value: no second roll").isEqualTo(1L);
    assertThat(eventReasons()).as("a new Deployment, not a roll").doesNotContain("StreamingRestarted");
  }

  private Map<String, String> podAnnotations() {
    return deployment().getSpec().getTemplate().getMetadata().getAnnotations();
  }

  private void annotate(String key, String value) {
    objects().edit(x -> {
      Map<String, String> annotations = new HashMap<>(x.getMetadata().getAnnotations() == null ? Map.of() : x.getMetadata().getAnnotations());
      if (value == null) {
        annotations.remove(key);
      } else {
        annotations.put(key, value);
      }
      x.getMetadata().setAnnotations(annotations);
    });
  }

  /** Every child of the pipeline with its resourceVersion: any create, update or delete changes this map. */
  private Map<String, String> childVersions() {
    Map<String, String> versions = new TreeMap<>();
    Stream.<List<? extends HasMetadata>>of(
            client.configMaps().inNamespace(NAMESPACE).list().getItems(),
            client.secrets().inNamespace(NAMESPACE).list().getItems(),
            client.apps().deployments().inNamespace(NAMESPACE).list().getItems(),
            client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems())
        .flatMap(List::stream)
        .filter(o -> o.getMetadata().getName().startsWith(NAME + "-"))
        .forEach(o -> versions.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion()));
    return versions;
  }

  private String statusJson() {
    return Serialization.asJson(pipeline().getStatus());
  }

  private String podConfigHash() {
    Deployment d = deployment();
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations().get("pgstream.io/config-hash");
  }

  private PgstreamPipeline pipeline() {
    return objects().pipeline();
  }

  private Deployment deployment() {
    return objects().deployment();
  }

  private Job job(String step) {
    return objects().job(step);
  }

  private PipelineObjects objects() {
    return new PipelineObjects(client, NAME);
  }

  private List<String> eventReasons() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().map(Event::getReason).toList();
  }
}
