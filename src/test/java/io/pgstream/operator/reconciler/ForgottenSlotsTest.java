package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.durable.ProgressRecords;
import io.pgstream.operator.support.Conditions;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestOperators;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle model's "no slot forgotten" findings as regressions: every slot the pipeline made
 * stays recorded until deletionPolicy drops or names it, whatever the order of edits, status loss and
 * step Jobs. The real operator on the mock API server, the slots on the real test PostgreSQL.
 */
@EnableKubernetesMockClient(crud = true)
class ForgottenSlotsTest {
  static final String NAME = "orders";
  static final String SLOT = ReplicationSlots.defaultName(NAMESPACE, NAME);
  static final String MOVED = "pgstream_moved";
  static final String OTHER_DB = "app_moved";
  static final String SECOND = "pgstream_second";

  KubernetesClient client;
  FakeKubelet kubelet;
  Operator operator;
  PipelineObjects objects;

  @BeforeEach
  void start() {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    kubelet = new FakeKubelet(client);
    objects = new PipelineObjects(client, NAME);
    operator = TestOperators.started(client);
  }

  @AfterEach
  void stop() {
    Awaitility.reset();
    operator.stop();
    TestDatabases.dropSlots();
  }

  @Test
  void statusErasedUnderAnInvalidSpecGetsTheSlotRecordBackAndDeletionNamesTheSlot() {
    objects.driveToStreaming(Pipelines.onTestDatabase(NAME), SLOT, kubelet);
    // An admin login over sslMode disable: refused by validation (the model's PREPARE move on a plaintext source).
    objects.edit(p -> {
      p.getSpec().prepare = new PrepareSpec();
      p.getSpec().prepare.source = new SourcePrepareSpec();
      p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef(NAME + "-source", "username"));
      p.getSpec().prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef(NAME + "-source", "password"));
    });
    await().until(() -> "False/SslModeTooWeakForAdminLogin".equals(Conditions.of(objects.pipeline(), "Ready")));

    eraseStatusAndAwaitSlotRecords();
    assertThat(objects.pipeline().getStatus().slotsCreated).singleElement().satisfies(r -> {
      assertThat(r.name).isEqualTo(SLOT);
      assertThat(r.state).isEqualTo(SlotRecordState.Current);
    });
    assertThat(Conditions.of(objects.pipeline(), "Ready")).as("the invalid spec still ends as its condition").isEqualTo("False/SslModeTooWeakForAdminLogin");

    objects.pipelines().withName(NAME).delete();
    await().until(() -> objects.pipeline() == null);
    assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
        .filteredOn(e -> "SlotRetained".equals(e.getReason()))
        .extracting(Event::getMessage)
        .singleElement()
        .asString()
        .contains(SLOT);
    assertThat(TestDatabases.slotExists(SLOT)).as("deletionPolicy Retain keeps it").isTrue();
  }

  @Test
  void aSlotChangedDuringARunningSnapshotAndAcknowledgedLeavesTheOldSlotAbandonedOnceTheNewInitSucceeds() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().deletionPolicy = DeletionPolicy.Delete;
    String firstInit = initialisedAndSnapshotting(p, SLOT);

    // The snapshot runs: the slot change waits for it (PhaseTable), then blocks as a gap until acknowledged;
    // only then does init make the new slot.
    objects.edit(q -> q.getSpec().replicationSlot = MOVED);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> "False/SlotChanged".equals(Conditions.of(objects.pipeline(), "Ready")));
    assertThat(objects.job("init").getMetadata().getUid()).as("no init while the snapshot ran").isEqualTo(firstInit);
    objects.edit(q -> q.getSpec().acknowledgeGap = "moved-1");
    await().until(() -> Optional.ofNullable(objects.job("init")).filter(j -> !firstInit.equals(j.getMetadata().getUid())).isPresent());
    TestDatabases.createSlot(MOVED);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");

    await().until(() -> !TestDatabases.slotExists(SLOT));
    // The status with the record gone is written after the drop.
    await().untilAsserted(() -> assertThat(objects.pipeline().getStatus().slotsCreated)
        .as("the old slot's record goes with it; the new one is the pipeline's")
        .singleElement()
        .satisfies(r -> {
          assertThat(r.name).isEqualTo(MOVED);
          assertThat(r.state).isEqualTo(SlotRecordState.Current);
        }));
    assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
        .filteredOn(e -> "SlotDropped".equals(e.getReason()))
        .extracting(Event::getMessage)
        .anySatisfy(m -> assertThat(m).contains(SLOT));
    assertThat(TestDatabases.slotExists(MOVED)).isTrue();
  }

  @Test
  void statusErasedAfterTheSourceMovedToAnotherDatabaseOfTheServerStillFindsTheSlotInitMadeInTheOldOne() {
    TestDatabases.ready().database(OTHER_DB, "postgres", "CREATE TABLE public.orders (id int PRIMARY KEY, total bigint)");
    Pipelines.secretsFor(NAME).forEach(s -> client.resource(s).create());
    objects.pipelines().resource(Pipelines.onTestDatabase(NAME)).create();
    await().until(() -> objects.job("init") != null);
    // The init pod made the slot in the spec's database, and runs on; the source moves meanwhile.
    TestDatabases.createSlot(SLOT);
    objects.edit(p -> p.getSpec().source.database = OTHER_DB);
    await().until(() -> objects.pipeline().getMetadata().getGeneration().equals(objects.pipeline().getStatus().observedGeneration));

    eraseStatusAndAwaitSlotRecords();
    assertThat(objects.pipeline().getStatus().slotsCreated).singleElement().satisfies(r -> {
      assertThat(r.name).isEqualTo(SLOT);
      assertThat(r.database).as("where the slot is, not where the spec points").isEqualTo(TestDatabases.SOURCE_DB);
      assertThat(r.state).isEqualTo(SlotRecordState.Abandoned);
    });
    await().until(() -> client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .anyMatch(e -> "SlotAbandoned".equals(e.getReason()) && e.getMessage().contains(SLOT)));
  }

  @Test
  void statusErasedAfterAnotherInitReplacedTheOneThatMadeTheSlotStillFindsIt() {
    TestDatabases.ready().database(OTHER_DB, "postgres", "CREATE TABLE public.orders (id int PRIMARY KEY, total bigint)");
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().replicationSlot = MOVED;
    String firstInit = initialisedAndSnapshotting(p, MOVED);
    // The source moves to another database of the server, with a slot of its own (slot names are the server's);
    // once the snapshot is done that is a gap, accepted here, and init runs again there.
    objects.edit(q -> {
      q.getSpec().source.database = OTHER_DB;
      q.getSpec().replicationSlot = SECOND;
    });
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> "False/SourceChanged".equals(Conditions.of(objects.pipeline(), "Ready")));
    objects.edit(q -> q.getSpec().acknowledgeGap = "moved-1");
    await().until(() -> Optional.ofNullable(objects.job("init")).filter(j -> !firstInit.equals(j.getMetadata().getUid())).isPresent());
    // Nothing else outside status names the first init's slot: the target's progress row goes with a replaced target.
    TestDatabases.ready().execute(TestDatabases.TARGET_DB, "DROP SCHEMA IF EXISTS " + ProgressRecords.SCHEMA + " CASCADE");

    eraseStatusAndAwaitSlotRecords();
    assertThat(objects.pipeline().getStatus().slotsCreated)
        .as("the replaced init Job is gone; the one after it carries the records status had")
        .anySatisfy(r -> {
          assertThat(r.name).isEqualTo(MOVED);
          assertThat(r.database).isEqualTo(TestDatabases.SOURCE_DB);
          assertThat(r.state).isEqualTo(SlotRecordState.Abandoned);
        });
  }

  @Test
  void statusErasedWhileInitIsMakingASlotTheSpecHasLeftRecordsThatSlot() {
    Pipelines.secretsFor(NAME).forEach(s -> client.resource(s).create());
    objects.pipelines().resource(Pipelines.onTestDatabase(NAME)).create();
    await().until(() -> objects.job("init") != null);
    // The init pod runs and has not made its slot yet; the spec moves to another slot meanwhile.
    objects.edit(p -> p.getSpec().replicationSlot = MOVED);
    await().until(() -> objects.pipeline().getMetadata().getGeneration().equals(objects.pipeline().getStatus().observedGeneration));

    eraseStatusAndAwaitSlotRecords();
    assertThat(objects.pipeline().getStatus().slotsCreated)
        .as("the slot the running init makes, though the source does not have it yet")
        .anySatisfy(r -> {
          assertThat(r.name).isEqualTo(SLOT);
          assertThat(r.state).isEqualTo(SlotRecordState.Abandoned);
        });
  }

  /** What a restore without status does; the operator then rebuilds the slot records. */
  private void eraseStatusAndAwaitSlotRecords() {
    operator.stop();
    objects.eraseStatus();
    operator = TestOperators.started(client);
    await().until(() -> objects.pipeline().getStatus() != null && objects.pipeline().getStatus().slotsCreated != null);
  }

  /** Creates the pipeline; its init makes {@code slot} and succeeds, and the snapshot runs. The init Job's UID. */
  private String initialisedAndSnapshotting(PgstreamPipeline p, String slot) {
    Pipelines.secretsFor(NAME).forEach(s -> client.resource(s).create());
    objects.pipelines().resource(p).create();
    await().until(() -> objects.job("init") != null);
    String init = objects.job("init").getMetadata().getUid();
    TestDatabases.createSlot(slot);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
    await().until(() -> objects.job("snapshot") != null);
    return init;
  }
}
