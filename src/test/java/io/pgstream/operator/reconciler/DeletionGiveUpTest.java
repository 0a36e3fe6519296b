package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.SlotConsumer;
import io.pgstream.operator.support.TestDatabases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deletion always finishes: a slot a consumer holds (SlotDropper says ACTIVE) keeps deletionPolicy
 * Delete waiting, and after {@link DeletionHandler#PATIENCE} every slot not dropped is named in a
 * SlotRetained Warning, the one pgstream destroy would have dropped included. The operator's clock is
 * moved on instead of waiting ten minutes.
 */
@EnableKubernetesMockClient(crud = true)
class DeletionGiveUpTest {
  static final String NAME = "orders";
  static final String SLOT = ReplicationSlots.defaultName(NAMESPACE, NAME);
  static final String MOVED = "pgstream_moved";

  KubernetesClient client;
  FakeKubelet kubelet;
  PipelineObjects objects;
  ShiftedClock clock = new ShiftedClock();
  Operator operator;

  @BeforeEach
  void start() {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    kubelet = new FakeKubelet(client);
    objects = new PipelineObjects(client, NAME);
    OperatorSettings settings = OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS).withSlotCheckInterval(Duration.ofSeconds(1));
    operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false).withUseSSAToPatchPrimaryResource(false));
    operator.register(new PgstreamPipelineReconciler(client, settings, clock));
    operator.start();
  }

  @AfterEach
  void stop() {
    Awaitility.reset();
    operator.stop();
    TestDatabases.dropSlots();
  }

  @Test
  void aHeldSlotKeepsDeletionWaitingUntilItGivesUpNamingEverySlotNotDropped() throws Exception {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().deletionPolicy = DeletionPolicy.Delete;
    objects.driveToStreaming(p, SLOT, kubelet);

    try (SlotConsumer holder = new SlotConsumer(TestDatabases.ready(), TestDatabases.SOURCE_DB, SLOT, "someone-else")) {
      // A new slot, the gap acknowledged: the held old slot is Abandoned but cannot be dropped.
      String firstInit = objects.job("init").getMetadata().getUid();
      objects.edit(q -> {
        q.getSpec().replicationSlot = MOVED;
        q.getSpec().acknowledgeGap = "moved-1";
      });
      // One read per poll: the old Job may be deleted between two.
      await().until(() -> Optional.ofNullable(objects.job("init")).filter(j -> !firstInit.equals(j.getMetadata().getUid())).isPresent());
      TestDatabases.createSlot(MOVED);
      kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
      objects.awaitStreaming(kubelet);
      assertThat(objects.pipeline().getStatus().slotsCreated)
          .anySatisfy(r -> {
            assertThat(r.name).isEqualTo(SLOT);
            assertThat(r.state).isEqualTo(SlotRecordState.Abandoned);
          });

      objects.pipelines().withName(NAME).delete();
      await().until(() -> events("DestroyBlocked").stream().anyMatch(m -> m.contains(SLOT) && m.contains("held by a consumer")));
      assertThat(objects.pipeline()).as("waiting while the consumer holds the slot").isNotNull();

      clock.shift = DeletionHandler.PATIENCE.plusMinutes(1);
      await().until(() -> objects.pipeline() == null);
      assertThat(events("SlotRetained")).singleElement().asString().contains(SLOT, MOVED, "pg_drop_replication_slot");
      assertThat(TestDatabases.slotExists(SLOT)).isTrue();
      assertThat(TestDatabases.slotExists(MOVED)).as("given up, not destroyed").isTrue();
    }
  }

  private List<String> events(String reason) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .map(Event::getMessage)
        .toList();
  }

  /** The system clock, moved on by {@link #shift}. */
  static final class ShiftedClock extends Clock {
    volatile Duration shift = Duration.ZERO;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(shift);
    }
  }
}
