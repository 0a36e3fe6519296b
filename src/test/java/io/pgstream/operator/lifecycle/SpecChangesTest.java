package io.pgstream.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.api.SlotStatus;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.support.Pipelines;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Recorded status against the current spec: which columns of the phase table a change falls in. */
class SpecChangesTest {
  static final String SLOT = "pgstream_default_orders";
  static final String SYSID = "7714346139969202777";

  final PgstreamPipeline p = Pipelines.snapshotAndReplication("orders");
  final PgstreamPipelineSpec spec = p.getSpec();
  final PgstreamPipelineStatus st = recorded(spec);

  /** A status as the pipeline leaves it after a snapshot of the spec, read from server SYSID. */
  static PgstreamPipelineStatus recorded(PgstreamPipelineSpec spec) {
    PgstreamPipelineStatus st = new PgstreamPipelineStatus();
    st.source = SpecChanges.of(spec.source, SLOT, SYSID);
    st.target = SpecChanges.of(spec.target, null, null);
    st.sourceSystemIdentifier = SYSID;
    st.mode = spec.mode;
    st.snapshot = new StepStatus();
    st.snapshot.state = StepState.Succeeded;
    return st;
  }

  Iterable<ChangeKind> changes() {
    return SpecChanges.between(st, spec, SLOT);
  }

  @Test
  void anUnchangedSpecChangesNothing() {
    assertThat(changes()).isEmpty();
  }

  @Test
  void aNewHostNamingTheSameServerIsAnEndpointChangeOnly() {
    spec.source.host = "source-alias.db";
    assertThat(changes()).containsExactly(ChangeKind.SOURCE_ENDPOINT);
    spec.source.port = 6432;
    assertThat(changes()).containsExactly(ChangeKind.SOURCE_ENDPOINT);
  }

  @Test
  void anotherServerBehindTheSameHostIsANewSource() {
    st.sourceSystemIdentifier = "7000000000000000001";
    assertThat(changes()).containsExactly(ChangeKind.SOURCE_IDENTITY);
  }

  @Test
  void aNewHostWhoseServerCouldNotBeIdentifiedCountsAsANewSource() {
    spec.source.host = "source-alias.db";
    st.sourceSystemIdentifier = null;
    assertThat(changes()).containsExactly(ChangeKind.SOURCE_IDENTITY);
    st.sourceSystemIdentifier = SYSID;
    st.source.systemIdentifier = null;
    assertThat(changes()).containsExactly(ChangeKind.SOURCE_IDENTITY);
  }

  @Test
  void anotherDatabaseOnTheSameServerIsANewSource() {
    spec.source.database = "other";
    assertThat(changes()).containsExactly(ChangeKind.SOURCE_IDENTITY);
  }

  @Test
  void aRenamedSlotIsASlotChange() {
    assertThat(SpecChanges.between(st, spec, "pgstream_renamed")).containsExactly(ChangeKind.SLOT);
  }

  @Test
  void theCurrentSlotRecordTakesPrecedenceOverStatusSource() {
    SlotRecord record = new SlotRecord();
    record.name = "pgstream_recorded";
    record.host = spec.source.host;
    record.port = spec.source.effectivePort();
    record.database = spec.source.database;
    record.state = SlotRecordState.Current;
    SlotRecord abandoned = new SlotRecord();
    abandoned.name = SLOT;
    abandoned.state = SlotRecordState.Abandoned;
    st.slotsCreated = new ArrayList<>(List.of(abandoned, record));
    assertThat(changes()).containsExactly(ChangeKind.SLOT);
    assertThat(SpecChanges.between(st, spec, "pgstream_recorded")).isEmpty();
  }

  @Test
  void aSnapshotOnlyPipelineHasNoSlotToChange() {
    spec.mode = PipelineMode.SNAPSHOT;
    st.mode = PipelineMode.SNAPSHOT;
    assertThat(SpecChanges.between(st, spec, "pgstream_renamed")).isEmpty();
  }

  @Test
  void aTargetOnAnotherHostPortOrDatabaseIsATargetChange() {
    spec.target.database = "other";
    assertThat(changes()).containsExactly(ChangeKind.TARGET);
    spec.target.database = st.target.database;
    spec.target.port = 6543;
    assertThat(changes()).containsExactly(ChangeKind.TARGET);
  }

  @Test
  void modeNonceAndALostSlotAreReported() {
    spec.mode = PipelineMode.SNAPSHOT;
    spec.snapshot.nonce = "again";
    st.slot = new SlotStatus();
    st.slot.state = "Missing";
    assertThat(changes()).containsExactlyInAnyOrder(ChangeKind.MODE, ChangeKind.SNAPSHOT_NONCE, ChangeKind.SLOT_LOST);
  }

  @Test
  void aNonceCountsOnlyAfterASucceededSnapshot() {
    spec.snapshot.nonce = "again";
    st.snapshot.state = StepState.Running;
    assertThat(changes()).isEmpty();
  }

  @Test
  void nothingRecordedMeansNothingToCompare() {
    assertThat(SpecChanges.between(new PgstreamPipelineStatus(), spec, SLOT)).isEmpty();
    assertThat(SpecChanges.between(null, spec, SLOT)).isEmpty();
  }

  @Test
  void theTableSaysAGapBlocksOnlyAfterDataWasCopied() {
    for (ChangeKind kind : List.of(ChangeKind.SOURCE_IDENTITY, ChangeKind.SLOT, ChangeKind.TARGET)) {
      assertThat(PhaseTable.reaction(Stage.STREAMING, kind)).isEqualTo(Reaction.BLOCK_GAP);
      assertThat(PhaseTable.reaction(Stage.NEW, kind)).isEqualTo(Reaction.APPLY);
    }
    assertThat(PhaseTable.reaction(Stage.STREAMING, ChangeKind.SOURCE_ENDPOINT)).isEqualTo(Reaction.ROLL_STREAMING);
    assertThat(PhaseTable.reaction(Stage.STREAMING, ChangeKind.SLOT_LOST)).isEqualTo(Reaction.BLOCK_SLOT_LOST);
    assertThat(PhaseTable.desiredChildren(Stage.COMPLETED, false)).doesNotContain(Child.STREAMING_DEPLOYMENT);
    assertThat(PhaseTable.desiredChildren(Stage.STREAMING, false)).doesNotContain(Child.STREAMING_DEPLOYMENT);
    assertThat(PhaseTable.desiredChildren(Stage.STREAMING, true)).contains(Child.STREAMING_DEPLOYMENT);
  }
}
