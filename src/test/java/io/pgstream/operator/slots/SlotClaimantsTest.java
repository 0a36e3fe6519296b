package io.pgstream.operator.slots;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.support.Pipelines;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one "another pipeline's slot" rule, at the edges where the preflight, restoration and deletion used to disagree. */
class SlotClaimantsTest {
  static final String SLOT = "orders_slot";

  @Test
  void anotherPipelinesRecordOfEitherStateOnTheSameServerClaimsTheSlot() {
    PgstreamPipeline self = pipeline("mine", "uid-1");
    PgstreamPipeline current = recording(pipeline("theirs", "uid-2"), "db.example", 5432, SlotRecordState.Current);
    PgstreamPipeline abandoned = recording(pipeline("kept", "uid-3"), "DB.example", null, SlotRecordState.Abandoned);

    assertThat(SlotClaimants.of(self, SLOT, "db.example", 5432, null, List.of(self, current, abandoned)))
        .as("a slot kept by Retain is still its; host names compare without case; no port is 5432")
        .extracting(PgstreamPipeline::namespacedName)
        .containsExactly("default/kept", "default/theirs");
    assertThat(SlotClaimants.of(self, SLOT, "db.example", 5433, null, List.of(current))).as("another server").isEmpty();
    assertThat(SlotClaimants.of(self, "other_slot", "db.example", 5432, null, List.of(current))).isEmpty();
    assertThat(SlotClaimants.of(current, SLOT, "db.example", 5432, null, List.of(current))).as("never itself").isEmpty();
  }

  @Test
  void knownSystemIdentifiersDecideOverHostNames() {
    PgstreamPipeline self = pipeline("mine", "uid-1");
    PgstreamPipeline other = recording(pipeline("theirs", "uid-2"), "db.example", 5432, SlotRecordState.Current);
    other.getStatus().slotsCreated.get(0).systemIdentifier = "7000";

    assertThat(SlotClaimants.of(self, SLOT, "alias.example", 5432, "7000", List.of(other))).as("the same server under another name").hasSize(1);
    assertThat(SlotClaimants.of(self, SLOT, "db.example", 5432, "8000", List.of(other))).as("another server at that name").isEmpty();
  }

  @Test
  void aStatusFromBeforeSlotRecordsClaimsItsSlotOnceInitRan() {
    PgstreamPipeline self = pipeline("mine", "uid-1");
    PgstreamPipeline old = pipeline("old", "uid-2");
    old.getSpec().source.host = "db.example";
    old.setStatus(new PgstreamPipelineStatus());
    old.getStatus().replicationSlot = SLOT;
    assertThat(SlotClaimants.of(self, SLOT, "db.example", 5432, null, List.of(old))).as("no init yet").isEmpty();

    old.getStatus().init = new StepStatus();
    old.getStatus().init.state = StepState.Failed;
    assertThat(SlotClaimants.of(self, SLOT, "db.example", 5432, null, List.of(old))).as("a failed init may have made it").hasSize(1);
  }

  private static PgstreamPipeline pipeline(String name, String uid) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication(name);
    p.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName(name).withUid(uid).build());
    return p;
  }

  private static PgstreamPipeline recording(PgstreamPipeline p, String host, Integer port, SlotRecordState state) {
    SlotRecord r = new SlotRecord();
    r.name = SLOT;
    r.host = host;
    r.port = port;
    r.database = "app";
    r.state = state;
    p.setStatus(new PgstreamPipelineStatus());
    p.getStatus().slotsCreated = List.of(r);
    return p;
  }
}
