package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.RecordedIdentity;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.lifecycle.SpecChanges;
import java.util.Objects;

/**
 * Writes what the pipeline's data came from and went to (status.source, status.target, and the
 * system identifier of the Current SlotRecord), so a later spec can be compared with it.
 */
final class IdentityRecords {
  private IdentityRecords() {}

  /**
   * The current spec becomes the record. A Current SlotRecord for another slot or source is left
   * behind: it turns Abandoned, and the deletion path drops or keeps it per deletionPolicy.
   */
  static void follow(PgstreamPipeline p, PgstreamPipelineStatus st) {
    String slot = p.getSpec().mode.replicates() ? ReplicationSlots.slotFor(p) : null;
    RecordedIdentity source = SpecChanges.of(p.getSpec().source, slot, st.sourceSystemIdentifier);
    SlotRecord current = SpecChanges.currentSlot(st);
    if (current != null && !sameSlot(current, source)) {
      current.state = SlotRecordState.Abandoned;
    } else if (current != null && current.systemIdentifier == null) {
      current.systemIdentifier = st.sourceSystemIdentifier;
    }
    st.source = source;
    st.target = SpecChanges.of(p.getSpec().target, null, null);
  }

  /** The same server under a new host name or port: the records follow; the slot and the data stay valid. */
  static void followEndpoint(PgstreamPipeline p, PgstreamPipelineStatus st) {
    SlotRecord current = SpecChanges.currentSlot(st);
    if (current != null) {
      current.host = p.getSpec().source.host;
      current.port = p.getSpec().source.effectivePort();
    }
    if (st.source != null) {
      st.source.host = p.getSpec().source.host;
      st.source.port = p.getSpec().source.effectivePort();
    }
  }

  /**
   * Records still missing (the first reconcile, or a pipeline from before these records) are taken
   * from the spec, and a system identifier read from the recorded server fills the records lacking it.
   */
  static void fillMissing(PgstreamPipeline p, PgstreamPipelineStatus st) {
    String slot = p.getSpec().mode.replicates() ? ReplicationSlots.slotFor(p) : null;
    if (st.source == null) {
      st.source = SpecChanges.of(p.getSpec().source, slot, st.sourceSystemIdentifier);
    }
    if (st.target == null) {
      st.target = SpecChanges.of(p.getSpec().target, null, null);
    }
    if (st.sourceSystemIdentifier == null) {
      return;
    }
    SlotRecord current = SpecChanges.currentSlot(st);
    if (current != null && current.systemIdentifier == null && atSpec(current.host, current.port, current.database, p)) {
      current.systemIdentifier = st.sourceSystemIdentifier;
    }
    if (st.source.systemIdentifier == null && atSpec(st.source.host, st.source.port, st.source.database, p)) {
      st.source.systemIdentifier = st.sourceSystemIdentifier;
    }
  }

  /** The preflight read the system identifier of the spec's server: it belongs to a record of the same endpoint. */
  private static boolean atSpec(String host, Integer port, String database, PgstreamPipeline p) {
    return Objects.equals(host, p.getSpec().source.host)
        && Objects.equals(port, p.getSpec().source.effectivePort())
        && Objects.equals(database, p.getSpec().source.database);
  }

  private static boolean sameSlot(SlotRecord record, RecordedIdentity source) {
    return Objects.equals(record.name, source.slot)
        && Objects.equals(record.database, source.database)
        && (record.systemIdentifier == null || source.systemIdentifier == null
            ? Objects.equals(record.host, source.host) && Objects.equals(record.port, source.port)
            : record.systemIdentifier.equals(source.systemIdentifier));
  }
}
