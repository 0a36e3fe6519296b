package io.pgstream.operator.lifecycle;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotStatus;
import io.pgstream.operator.api.RecordedIdentity;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.api.StepState;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What changed between what status recorded and the current spec, as {@link ChangeKind}s: the
 * column of {@link PhaseTable} each change falls in. Source identity is the server's system
 * identifier and the database, not the host name: a new endpoint of the same server is only
 * {@link ChangeKind#SOURCE_ENDPOINT}; when either identifier is unknown a new endpoint counts as a
 * new source, because a gap cannot be ruled out.
 */
public final class SpecChanges {
  private SpecChanges() {}

  /**
   * @param slot the slot the current spec names
   */
  public static Set<ChangeKind> between(PgstreamPipelineStatus st, PgstreamPipelineSpec spec, String slot) {
    Set<ChangeKind> changes = EnumSet.noneOf(ChangeKind.class);
    if (st == null) {
      return changes;
    }
    RecordedIdentity source = recordedSource(st);
    if (source != null) {
      if (spec.mode.replicates() && source.slot != null && !source.slot.equals(slot)) {
        changes.add(ChangeKind.SLOT);
      }
      String now = st.sourceSystemIdentifier;
      boolean bothKnown = source.systemIdentifier != null && now != null;
      if (!Objects.equals(source.database, spec.source.database) || (bothKnown && !source.systemIdentifier.equals(now))) {
        changes.add(ChangeKind.SOURCE_IDENTITY);
      } else if (!sameEndpoint(source, spec.source)) {
        changes.add(bothKnown ? ChangeKind.SOURCE_ENDPOINT : ChangeKind.SOURCE_IDENTITY);
      }
    }
    if (st.target != null
        && (!sameEndpoint(st.target, spec.target) || !Objects.equals(st.target.database, spec.target.database))) {
      changes.add(ChangeKind.TARGET);
    }
    if (st.mode != null && spec.mode != st.mode) {
      changes.add(ChangeKind.MODE);
    }
    String nonce = spec.snapshot == null ? null : spec.snapshot.nonce;
    if (st.snapshot != null && st.snapshot.state == StepState.Succeeded && !Objects.equals(st.snapshot.nonce, nonce)) {
      changes.add(ChangeKind.SNAPSHOT_NONCE);
    }
    if (st.slot != null && SlotStatus.MISSING.equals(st.slot.state)) {
      changes.add(ChangeKind.SLOT_LOST);
    }
    return changes;
  }

  /** The source the pipeline's slot belongs to: its Current SlotRecord, else status.source; null when none. */
  public static RecordedIdentity recordedSource(PgstreamPipelineStatus st) {
    SlotRecord current = currentSlot(st);
    if (current == null) {
      return st.source;
    }
    RecordedIdentity id = new RecordedIdentity();
    id.host = current.host;
    id.port = current.port;
    id.database = current.database;
    id.systemIdentifier = current.systemIdentifier;
    id.slot = current.name;
    return id;
  }

  /** The slot streaming uses, as recorded; null when the pipeline recorded none. */
  public static SlotRecord currentSlot(PgstreamPipelineStatus st) {
    if (st.slotsCreated == null) {
      return null;
    }
    return st.slotsCreated.stream().filter(r -> r.state == SlotRecordState.Current).findFirst().orElse(null);
  }

  /** What the current spec would record: host, effective port and database; the slot for the source. */
  public static RecordedIdentity of(ConnectionSpec spec, String slot, String systemIdentifier) {
    RecordedIdentity id = new RecordedIdentity();
    id.host = spec.host;
    id.port = spec.effectivePort();
    id.database = spec.database;
    id.slot = slot;
    id.systemIdentifier = systemIdentifier;
    return id;
  }

  private static boolean sameEndpoint(RecordedIdentity recorded, ConnectionSpec spec) {
    return Objects.equals(recorded.host, spec.host) && Objects.equals(recorded.port, spec.effectivePort());
  }
}
