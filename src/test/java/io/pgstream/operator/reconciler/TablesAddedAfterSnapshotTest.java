package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PipelineState;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.ResnapshotSpec;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestOperators;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tables added to spec.tables after the snapshot (PhaseTable TABLES_ADDED, MARK_STALE) and chosen tables
 * copied again (RESNAPSHOT, the same Job): the real
 * operator against the mock API server, with the preflight, the empty-target check and the replay
 * window on the embedded PostgreSQL.
 */
@EnableKubernetesMockClient(crud = true)
class TablesAddedAfterSnapshotTest {
  static final String NAME = "shop";

  KubernetesClient client;
  FakeKubelet kubelet;
  Operator operator;
  final TestPostgres pg = TestDatabases.ready();

  @BeforeEach
  void start() {
    pg.execute(
        TestDatabases.SOURCE_DB,
        "CREATE TABLE public.invoices (id int PRIMARY KEY, amount bigint)",
        "INSERT INTO public.invoices VALUES (1, 10)");
    kubelet = new FakeKubelet(client);
    operator = TestOperators.started(client);
  }

  @AfterEach
  void stop() {
    operator.stop();
    TestDatabases.dropSlots();
    pg.execute(TestDatabases.SOURCE_DB, "DROP TABLE IF EXISTS public.invoices");
    pg.execute(TestDatabases.TARGET_DB, "DROP TABLE IF EXISTS public.invoices", "DROP TABLE IF EXISTS public.orders");
  }

  @Test
  void anAddedTableIsHeldOutOfStreamingUntilABackfillCopiesItThenStreamsFromTheSlot() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().tables = List.of("public.orders");
    driveToStreaming(p);
    assertThat(pipeline().getStatus().snapshot.tables).as("what the snapshot copied").containsExactly("public.orders");
    assertThat(condition("SnapshotStale")).isEqualTo("False/AllTablesCopied");

    edit(x -> x.getSpec().tables = List.of("public.orders", "public.invoices"));
    await().until(() -> "True/TablesNotSnapshotted".equals(condition("SnapshotStale")));
    assertThat(message("SnapshotStale")).contains("public.invoices", "spec.snapshot.backfill");
    await().until(() -> pipeline().getStatus().configHash.equals(podConfigHash()));
    assertThat(config("replication.yaml")).contains("- public.orders").doesNotContain("public.invoices");
    assertThat(config("snapshot.yaml")).as("a new full snapshot would copy both").contains("- public.invoices");
    awaitReady();
    assertThat(condition("Degraded")).isEqualTo("True/TablesNotSnapshotted");
    assertThat(deployment()).as("the covered table streams on").isNotNull();
    assertThat(job("backfill")).isNull();
    String stale = Serialization.asJson(pipeline().getStatus());
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(Serialization.asJson(pipeline().getStatus())).as("the stale state is not written again").isEqualTo(stale);

    String streamUid = deployment().getMetadata().getUid();
    edit(x -> x.getSpec().snapshot.backfill = "1");
    await().until(() -> deployment() == null);
    await().until(() -> job("backfill") != null);
    assertThat(job("backfill").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).startsWith("snapshot", "-c");
    assertThat(PipelineObjects.jobConfig(client, job("backfill"))).isEqualTo(config("backfill.yaml"));
    assertThat(job("backfill").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(Pipelines.RUNNERS.get(17));
    String backfill = config("backfill.yaml");
    assertThat(backfill).contains("tables:\n        - public.invoices\n      snapshot_workers").doesNotContain("public.orders");
    assertThat(backfill).contains("clean_target_db: false", "on_conflict_action: nothing");
    assertThat(condition("SnapshotStale")).isEqualTo("True/Backfilling");
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Snapshotting);
    assertThat(condition("Streaming")).isEqualTo("False/PausedForBackfill");

    kubelet.jobSucceeded(NAMESPACE, NAME + "-backfill");
    await().until(() -> deployment() != null);
    assertThat(deployment().getMetadata().getUid()).isNotEqualTo(streamUid);
    assertThat(condition("SnapshotStale")).startsWith("False/");
    assertThat(pipeline().getStatus().snapshot.tables).containsExactly("public.orders", "public.invoices");
    assertThat(pipeline().getStatus().backfillHandled).isEqualTo("1");
    assertThat(pipeline().getStatus().backfill.state).isEqualTo(StepState.Succeeded);
    assertThat(pipeline().getStatus().configHash).as("the Deployment starts from the config with the table").isEqualTo(podConfigHash());
    assertThat(config("replication.yaml")).contains("- public.invoices");
    assertThat(config("replication.yaml"))
        .as("changes made during the backfill replay over its copy: duplicates skipped")
        .contains("on_conflict_action: nothing");
    assertThat(config("backfill.yaml")).isNull();
    awaitReady();
    assertThat(condition("Degraded")).isEqualTo("False/AsExpected");
    assertThat(eventReasons()).contains("BackfillStarted", "BackfillCompleted");
  }

  @Test
  void aBackfillIntoATargetTableThatHoldsRowsIsRefusedAndStreamingGoesOn() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().tables = List.of("public.orders");
    driveToStreaming(p);
    pg.execute(
        TestDatabases.TARGET_DB,
        "CREATE TABLE public.invoices (id int PRIMARY KEY, amount bigint)",
        "ALTER TABLE public.invoices OWNER TO " + TestDatabases.TARGET_USER,
        "INSERT INTO public.invoices VALUES (7, 70)");
    edit(x -> {
      x.getSpec().tables = List.of("public.orders", "public.invoices");
      x.getSpec().snapshot.backfill = "1";
    });
    await().until(() -> "True/BackfillFailed".equals(condition("SnapshotStale")));
    assertThat(message("SnapshotStale")).contains("public.invoices", "populatedTarget: Truncate", "spec.snapshot.backfill back");
    await().until(() -> deployment() != null);
    awaitReady();
    assertThat(job("backfill")).isNull();

    edit(x -> {
      x.getSpec().snapshot.populatedTarget = PopulatedTargetPolicy.Truncate;
      x.getSpec().snapshot.backfill = "2";
    });
    await().until(() -> job("backfill") != null);
    assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM public.invoices")).isZero();
  }

  @Test
  void aSnapshotOnlyPipelineGetsTheConditionAndTheBackfillWithoutStreaming() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    p.getSpec().tables = List.of("public.orders");
    apply(p);
    await().until(() -> job("snapshot") != null);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    awaitPhase(Phase.Completed);

    edit(x -> x.getSpec().tables = List.of("public.orders", "public.invoices"));
    await().until(() -> "True/TablesNotSnapshotted".equals(condition("SnapshotStale")));
    await().until(() -> "True/TablesNotSnapshotted".equals(condition("Degraded")));
    assertThat(condition("Ready")).isEqualTo("True/SnapshotCompleted");

    edit(x -> x.getSpec().snapshot.backfill = "1");
    await().until(() -> job("backfill") != null);
    assertThat(config("backfill.yaml")).contains("- public.invoices").doesNotContain("public.orders");
    kubelet.jobSucceeded(NAMESPACE, NAME + "-backfill");
    await().until(() -> pipeline().getStatus().phase == Phase.Completed && condition("SnapshotStale").startsWith("False/"));
    assertThat(condition("Degraded")).isEqualTo("False/AsExpected");
    assertThat(deployment()).isNull();
  }

  /** schemaOnlyTables copies DDL without rows: taking a table out of it adds rows the target never got. */
  @Test
  void aTableTakenOutOfSchemaOnlyTablesNeedsABackfillAndOnePutInIsRemoved() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().tables = List.of("public.orders", "public.invoices");
    p.getSpec().snapshot.schemaOnlyTables = List.of("public.invoices");
    driveToStreaming(p);
    assertThat(pipeline().getStatus().snapshot.excludedTables).as("the snapshot copied none of its rows").containsExactly("public.invoices");
    assertThat(condition("SnapshotStale")).isEqualTo("False/AllTablesCopied");

    edit(x -> x.getSpec().snapshot.schemaOnlyTables = List.of("public.orders"));
    await().until(() -> "True/TablesNotSnapshotted".equals(condition("SnapshotStale")));
    assertThat(message("SnapshotStale")).contains("public.invoices").doesNotContain("public.orders");
    await().until(() -> eventReasons().contains("TablesRemoved"));
    assertThat(events().stream().filter(e -> "TablesRemoved".equals(e.getReason())).findFirst().orElseThrow().getMessage())
        .contains("public.orders");
  }

  @Test
  void aDroppedTableStopsStreamingKeepsItsRowsAndNeedsABackfillWhenSelectedAgain() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().tables = List.of("public.orders", "public.invoices");
    driveToStreaming(p);

    edit(x -> x.getSpec().tables = List.of("public.orders"));
    await().until(() -> pipeline().getStatus().snapshot.tables.equals(List.of("public.orders")));
    await().until(() -> eventReasons().contains("TablesRemoved"));
    assertThat(events().stream().filter(e -> "TablesRemoved".equals(e.getReason())).findFirst().orElseThrow().getMessage())
        .contains("public.invoices", "rows stay on the target");
    assertThat(condition("SnapshotStale")).isEqualTo("False/AllTablesCopied");

    edit(x -> x.getSpec().tables = List.of("public.orders", "public.invoices"));
    await().until(() -> "True/TablesNotSnapshotted".equals(condition("SnapshotStale")));
  }

  @Test
  void aSnapshotTakenBeforeSelectionsWereRecordedCoversTheCurrentSpec() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().tables = List.of("public.orders", "public.invoices");
    driveToStreaming(p);
    PgstreamPipeline legacy = pipeline();
    legacy.getStatus().snapshot.tables = null;
    // As after an upgrade from a version that did not record them: the new operator starts.
    operator.stop();
    pipelines().resource(legacy).updateStatus();
    operator = TestOperators.started(client);

    await().until(() -> pipeline().getStatus().snapshot.tables != null);
    assertThat(pipeline().getStatus().snapshot.tables).containsExactly("public.orders", "public.invoices");
    assertThat(condition("SnapshotStale")).isEqualTo("False/AllTablesCopied");
  }

  @Test
  void aResnapshotEmptiesJustTheChosenTargetTablesCopiesThemOnceAndStreamsOnFromTheSlot() {
    PgstreamPipeline p = streaming("public.orders", "public.invoices");
    targetTable("public.orders", "(5, 50)");
    targetTable("public.invoices", "(1, 10), (99, 990)");
    String covered = Serialization.asJson(pipeline().getStatus().snapshot.tables);
    String streamUid = deployment().getMetadata().getUid();

    edit(x -> x.getSpec().snapshot.resnapshot = resnapshot("r1", "public.invoices"));
    await().until(() -> job("backfill") != null);
    assertThat(deployment()).as("streaming paused").isNull();
    assertThat(condition("Streaming")).isEqualTo("False/PausedForBackfill");
    assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM public.invoices")).as("the chosen table emptied").isZero();
    assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM public.orders")).as("no other table touched").isEqualTo(1);
    assertThat(config("backfill.yaml")).contains("tables:\n        - public.invoices\n      snapshot_workers").doesNotContain("public.orders");
    assertThat(PipelineObjects.jobConfig(client, job("backfill"))).isEqualTo(config("backfill.yaml"));

    kubelet.jobSucceeded(NAMESPACE, NAME + "-backfill");
    await().until(() -> deployment() != null && config("backfill.yaml") == null);
    assertThat(deployment().getMetadata().getUid()).isNotEqualTo(streamUid);
    awaitReady();
    assertThat(pipeline().getStatus().resnapshotHandled).isEqualTo("r1");
    assertThat(pipeline().getStatus().backfill.resnapshot).isTrue();
    assertThat(pipeline().getStatus().backfill.state).isEqualTo(StepState.Succeeded);
    assertThat(Serialization.asJson(pipeline().getStatus().snapshot.tables)).as("coverage unchanged").isEqualTo(covered);
    assertThat(condition("SnapshotStale")).isEqualTo("False/Resnapshotted");
    assertThat(config("replication.yaml")).contains("replication_slot: " + ReplicationSlots.slotFor(p), "- public.invoices");
    assertThat(eventReasons()).contains("ResnapshotStarted", "TargetTruncated", "ResnapshotCompleted");

    String done = Serialization.asJson(pipeline().getStatus());
    String resumedUid = deployment().getMetadata().getUid();
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(Serialization.asJson(pipeline().getStatus())).as("an unchanged pipeline writes nothing").isEqualTo(done);
    assertThat(deployment().getMetadata().getUid()).as("the handled value runs no second copy").isEqualTo(resumedUid);
  }

  @Test
  void aResnapshotOfATableThePipelineDoesNotSelectIsRefusedAndNothingIsEmptied() {
    streaming("public.orders");
    targetTable("public.invoices", "(1, 10)");
    String streamUid = deployment().getMetadata().getUid();

    edit(x -> x.getSpec().snapshot.resnapshot = resnapshot("r1", "public.invoices"));
    await().until(() -> "True/ResnapshotRefused".equals(condition("SnapshotStale")));
    assertThat(message("SnapshotStale")).contains("public.invoices", "does not select", "Nothing was emptied");
    assertThat(pipeline().getStatus().resnapshotHandled).isEqualTo("r1");
    awaitReady();
    assertThat(condition("Degraded")).isEqualTo("True/ResnapshotRefused");
    await().until(() -> eventReasons().contains("ResnapshotRefused"));
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(events().stream().filter(e -> "ResnapshotRefused".equals(e.getReason())).map(Event::getType))
        .as("one Warning Event")
        .containsExactly("Warning");
    assertThat(deployment().getMetadata().getUid()).as("streaming goes on").isEqualTo(streamUid);
    assertThat(job("backfill")).isNull();
    assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM public.invoices")).isEqualTo(1);
  }

  @Test
  void aFailedResnapshotKeepsStreamingPausedUntilANewValueAndASuspendedPipelineWaits() {
    streaming("public.orders", "public.invoices");
    targetTable("public.invoices", "(1, 10)");

    edit(x -> x.getSpec().snapshot.resnapshot = resnapshot("r1", "public.invoices"));
    await().until(() -> job("backfill") != null);
    kubelet.jobFailed(NAMESPACE, NAME + "-backfill", "copy failed");
    await().until(() -> "False/ResnapshotFailed".equals(condition("Ready")));
    assertThat(message("Ready")).contains("public.invoices", "streaming stays paused", "spec.snapshot.resnapshot.value");
    assertThat(condition("SnapshotStale")).isEqualTo("True/ResnapshotFailed");
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(deployment()).as("nothing streams into the emptied table").isNull();

    edit(x -> {
      x.getSpec().state = PipelineState.Suspended;
      x.getSpec().snapshot.resnapshot = resnapshot("r2", "public.invoices");
    });
    await().until(() -> pipeline().getStatus().phase == Phase.Suspended);
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(pipeline().getStatus().resnapshotHandled).as("suspended: the new value waits").isEqualTo("r1");

    edit(x -> x.getSpec().state = PipelineState.Running);
    await().until(() -> "r2".equals(pipeline().getStatus().resnapshotHandled) && job("backfill") != null
        && !JobStates.failed(job("backfill")));
    kubelet.jobSucceeded(NAMESPACE, NAME + "-backfill");
    await().until(() -> deployment() != null);
    awaitReady();
    assertThat(condition("SnapshotStale")).isEqualTo("False/Resnapshotted");
  }

  private PgstreamPipeline streaming(String... tables) {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().tables = List.of(tables);
    driveToStreaming(p);
    return p;
  }

  private static ResnapshotSpec resnapshot(String value, String... tables) {
    ResnapshotSpec r = new ResnapshotSpec();
    r.value = value;
    r.tables = List.of(tables);
    return r;
  }

  /** The target copy of a selected table with rows, owned by the target login as a snapshot leaves it. */
  private void targetTable(String table, String rows) {
    pg.execute(
        TestDatabases.TARGET_DB,
        "CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY, amount bigint)",
        "ALTER TABLE " + table + " OWNER TO " + TestDatabases.TARGET_USER,
        "INSERT INTO " + table + " VALUES " + rows);
  }

  private void driveToStreaming(PgstreamPipeline p) {
    apply(p);
    await().until(() -> job("init") != null);
    TestDatabases.createSlot(ReplicationSlots.slotFor(p));
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
    await().until(() -> job("snapshot") != null);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null && pipeline().getStatus().snapshot.lsn != null);
    awaitReady();
  }

  private void awaitReady() {
    await().until(() -> {
      kubelet.keepAvailable(NAMESPACE, NAME + "-stream");
      return "True/Streaming".equals(condition("Ready"));
    });
  }

  private void awaitPhase(Phase phase) {
    await().until(() -> pipeline() != null && pipeline().getStatus() != null && pipeline().getStatus().phase == phase);
  }

  private void apply(PgstreamPipeline p) {
    for (Secret s : Pipelines.secretsFor(NAME)) {
      client.resource(s).create();
    }
    pipelines().resource(p).create();
  }

  private void edit(java.util.function.Consumer<PgstreamPipeline> change) {
    await().until(() -> {
      PgstreamPipeline p = pipeline();
      change.accept(p);
      try {
        pipelines().resource(p).update();
        return true;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException conflict) {
        return false; // the operator wrote status in between
      }
    });
  }

  private NonNamespaceOperation<PgstreamPipeline, KubernetesResourceList<PgstreamPipeline>, Resource<PgstreamPipeline>> pipelines() {
    return objects().pipelines();
  }

  private PgstreamPipeline pipeline() {
    return objects().pipeline();
  }

  private Job job(String step) {
    return objects().job(step);
  }

  private Deployment deployment() {
    return objects().deployment();
  }

  private PipelineObjects objects() {
    return new PipelineObjects(client, NAME);
  }

  private String podConfigHash() {
    Deployment d = deployment();
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations().get("pgstream.io/config-hash");
  }

  private String config(String file) {
    return client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get(file);
  }

  private String condition(String type) {
    return conditions(type).map(c -> c.getStatus() + "/" + c.getReason()).findFirst().orElse(null);
  }

  private String message(String type) {
    return conditions(type).map(Condition::getMessage).findFirst().orElse(null);
  }

  private Stream<Condition> conditions(String type) {
    PgstreamPipeline p = pipeline();
    return p == null || p.getStatus() == null ? Stream.empty() : p.getStatus().conditions.stream().filter(c -> type.equals(c.getType()));
  }

  private List<Event> events() {
    return new ArrayList<>(client.v1().events().inNamespace(NAMESPACE).list().getItems());
  }

  private List<String> eventReasons() {
    return events().stream().map(Event::getReason).toList();
  }
}
