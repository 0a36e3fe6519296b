package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.lifecycle.ChangeKind;
import io.pgstream.operator.lifecycle.SpecChanges;
import io.pgstream.operator.support.Pipelines;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A gap block says what changed, what is lost, where the old slot is, and only ways out that work. */
class GapMessagesTest {
  final PgstreamPipeline p = Pipelines.snapshotAndReplication("orders");
  final PgstreamPipelineStatus st = new PgstreamPipelineStatus();

  GapMessagesTest() {
    st.source = SpecChanges.of(p.getSpec().source, "pgstream_old", "7000000000000000001");
    st.target = SpecChanges.of(p.getSpec().target, null, null);
    p.getSpec().replicationSlot = "pgstream_new";
  }

  @Test
  void aRenamedSlotNamesBothSlotsTheOldServerAndBothWaysOut() {
    Set<ChangeKind> gaps = Set.of(ChangeKind.SLOT);
    assertThat(GapMessages.reason(gaps)).isEqualTo("SlotChanged");
    assertThat(GapMessages.message(p, st, gaps))
        .contains("from pgstream_old to pgstream_new", "source.db:5432/app (system identifier 7000000000000000001)")
        .contains("would be missing on the target", "spec.snapshot.nonce", "spec.acknowledgeGap", "abandoned");
  }

  @Test
  void withoutASnapshotInTheModeOnlyTheAcknowledgementIsOffered() {
    p.getSpec().mode = PipelineMode.REPLICATION;
    String message = GapMessages.message(p, st, Set.of(ChangeKind.SLOT_LOST));
    assertThat(GapMessages.reason(Set.of(ChangeKind.SLOT_LOST, ChangeKind.TARGET))).isEqualTo("SlotLost");
    assertThat(message).contains("pgstream_old disappeared", "spec.acknowledgeGap").doesNotContain("nonce");
  }
}
