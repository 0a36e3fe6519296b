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
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.Conditions;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestOperators;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
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
 * Running) and the restart annotation. The real operator against the mock API server in CRUD mode, the preflight and the slot on
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
    PgstreamPipeline erased = pipeline();
    erased.setStatus(new PgstreamPipelineStatus());
    objects().pipelines().resource(erased).updateStatus();
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
