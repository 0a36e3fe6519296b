package io.pgstream.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.support.Pipelines;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationSlotsTest {
  private static PgstreamPipeline pipeline(String namespace, String name) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication(name);
    p.getMetadata().setNamespace(namespace);
    return p;
  }

  private static SlotRecord record(String name, SlotRecordState state) {
    SlotRecord r = new SlotRecord();
    r.name = name;
    r.state = state;
    return r;
  }

  @Test
  void defaultNamesOfPipelinesThatSanitiseAlikeDiffer() {
    assertThat(ReplicationSlots.slotFor(pipeline("team-a", "orders")))
        .isNotEqualTo(ReplicationSlots.slotFor(pipeline("team", "a-orders")))
        .startsWith("pgstream_team_a_orders_")
        .matches("[a-z0-9_]+_[0-9a-f]{8}");
    assertThat(ReplicationSlots.slotFor(pipeline("default", "orders.v2")))
        .isNotEqualTo(ReplicationSlots.slotFor(pipeline("default", "orders-v2")));
  }

  @Test
  void aLongDefaultIsCutTo63CharactersWithItsHashKept() {
    String a = ReplicationSlots.slotFor(pipeline("data-platform-production-eu-west-1", "customer-profiles-to-warehouse-a"));
    String b = ReplicationSlots.slotFor(pipeline("data-platform-production-eu-west-1", "customer-profiles-to-warehouse-b"));
    assertThat(a).hasSize(ReplicationSlots.MAX_LENGTH).isNotEqualTo(b);
    assertThat(a.substring(a.length() - 9)).matches("_[0-9a-f]{8}");
  }

  @Test
  void aRecordedSlotIsKeptWhenTheSpecNamesNone() {
    PgstreamPipeline legacy = pipeline("team-a", "orders");
    legacy.setStatus(new PgstreamPipelineStatus());
    legacy.getStatus().replicationSlot = "pgstream_team_a_orders";
    assertThat(ReplicationSlots.slotFor(legacy)).as("an older operator's name").isEqualTo("pgstream_team_a_orders");

    legacy.getStatus().slotsCreated = List.of(record("old_one", SlotRecordState.Abandoned), record("pgstream_team_a_orders", SlotRecordState.Current));
    legacy.getStatus().replicationSlot = "something_else";
    assertThat(ReplicationSlots.slotFor(legacy)).as("the Current record wins").isEqualTo("pgstream_team_a_orders");

    legacy.getSpec().replicationSlot = "explicit";
    assertThat(ReplicationSlots.slotFor(legacy)).as("an explicit slot wins").isEqualTo("explicit");
  }

  @Test
  void aPipelineWhoseSlotWasAbandonedTakesTheDefault() {
    PgstreamPipeline p = pipeline("team-a", "orders");
    p.setStatus(new PgstreamPipelineStatus());
    p.getStatus().replicationSlot = "pgstream_team_a_orders";
    p.getStatus().slotsCreated = List.of(record("pgstream_team_a_orders", SlotRecordState.Abandoned));
    assertThat(ReplicationSlots.slotFor(p)).isEqualTo(ReplicationSlots.defaultName("team-a", "orders"));
  }
}
