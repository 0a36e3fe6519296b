package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.RecordedIdentity;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.lifecycle.ChangeKind;
import io.pgstream.operator.lifecycle.SpecChanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The words of a gap block: what changed, what would be lost, where the old slot is, and the two ways out. */
final class GapMessages {
  private GapMessages() {}

  /** The reason of the first change that opens a gap: SlotLost, SourceChanged, SlotChanged or TargetChanged. */
  static String reason(Set<ChangeKind> gaps) {
    if (gaps.contains(ChangeKind.SLOT_LOST)) {
      return "SlotLost";
    }
    if (gaps.contains(ChangeKind.SOURCE_IDENTITY)) {
      return "SourceChanged";
    }
    return gaps.contains(ChangeKind.SLOT) ? "SlotChanged" : "TargetChanged";
  }

  static String message(PgstreamPipeline p, PgstreamPipelineStatus st, Set<ChangeKind> gaps) {
    RecordedIdentity old = SpecChanges.recordedSource(st);
    String oldSlot = old == null || old.slot == null ? ReplicationSlots.slotFor(p) : old.slot;
    String where = old == null ? "the source" : where(old);
    String since = st.snapshot != null && st.snapshot.lsn != null
        ? " (the last position the operator knows is the snapshot's end, " + st.snapshot.lsn + ")"
        : "";
    StringBuilder out = new StringBuilder();
    if (gaps.contains(ChangeKind.SLOT_LOST)) {
      out.append("Replication slot ").append(oldSlot).append(" disappeared from ").append(where)
          .append(" while the pipeline streamed from it (a failover, a blue/green switchover or a manual drop). The")
          .append(" changes after its last confirmed position").append(since)
          .append(" can no longer be read, and a new slot would start at the current WAL position, so the operator")
          .append(" does not re-create it by itself.");
    } else if (newSlot(gaps)) {
      out.append(String.join("; ", what(p, st, old, gaps))).append(" after data was copied. A new slot would start at")
          .append(" the current WAL position: every change after the last position slot ").append(oldSlot)
          .append(" on ").append(where).append(" confirmed").append(since).append(" would be missing on the target.")
          .append(" Slot ").append(oldSlot).append(" stays where it is and keeps WAL until you choose.");
    } else {
      out.append(String.join("; ", what(p, st, old, gaps))).append(" after data was copied: the new target has none")
          .append(" of the rows copied and streamed into the old one.");
    }
    out.append(" Streaming is stopped (Deployment ").append(Children.deployment(p)).append(" removed). To go on:");
    if (!p.getSpec().mode.snapshots()) {
      // mode replication takes no snapshot, so a nonce is no way out here.
      out.append(" set spec.acknowledgeGap to a new value (")
          .append(newSlot(gaps) ? "init creates a new slot and streaming goes on" : "streaming goes on into the new target")
          .append("; the target lacks those changes).");
    } else if (newSlot(gaps)) {
      out.append(" set spec.snapshot.nonce to a new value (init creates a new slot, a new snapshot copies the tables,")
          .append(" then streaming), or set spec.acknowledgeGap to a new value (init creates a new slot and streaming")
          .append(" goes on without a new snapshot: the target lacks those changes).");
    } else {
      out.append(" set spec.snapshot.nonce to a new value (a new snapshot into the new target, then streaming goes on")
          .append(" from slot ").append(oldSlot).append("), or set spec.acknowledgeGap to a new value (streaming goes")
          .append(" on into the new target without them).");
    }
    if (newSlot(gaps) && !gaps.contains(ChangeKind.SLOT_LOST)) {
      out.append(" Then slot ").append(oldSlot).append(" is then abandoned: dropped with deletionPolicy Delete,")
          .append(" kept and named with Retain. Or undo the change.");
    }
    return out.toString();
  }

  /** The way out makes init create a new slot: the source or the slot changed, or the slot is gone. */
  static boolean newSlot(Set<ChangeKind> gaps) {
    return gaps.contains(ChangeKind.SOURCE_IDENTITY) || gaps.contains(ChangeKind.SLOT) || gaps.contains(ChangeKind.SLOT_LOST);
  }

  private static List<String> what(PgstreamPipeline p, PgstreamPipelineStatus st, RecordedIdentity old, Set<ChangeKind> gaps) {
    List<String> what = new ArrayList<>();
    if (gaps.contains(ChangeKind.SOURCE_IDENTITY)) {
      String now = where(SpecChanges.of(p.getSpec().source, null, st.sourceSystemIdentifier));
      what.add("The source changed from " + where(old) + " to " + now
          + (st.sourceSystemIdentifier == null || old.systemIdentifier == null
              ? " (the operator could not read both servers' system identifiers, so it cannot tell it is the same server)"
              : ""));
    }
    if (gaps.contains(ChangeKind.SLOT)) {
      what.add("spec.replicationSlot changed from " + old.slot + " to " + ReplicationSlots.slotFor(p));
    }
    if (gaps.contains(ChangeKind.TARGET)) {
      what.add("The target changed from " + where(st.target) + " to " + where(SpecChanges.of(p.getSpec().target, null, null)));
    }
    return what;
  }

  private static String where(RecordedIdentity id) {
    return id.host + ":" + id.port + "/" + id.database
        + (id.systemIdentifier == null ? "" : " (system identifier " + id.systemIdentifier + ")");
  }
}
