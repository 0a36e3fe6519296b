package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.slots.SlotDropper;
import io.pgstream.operator.status.EventRecorder;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Slots a source or slot change left behind (records in state Abandoned) while the pipeline runs on:
 * with deletionPolicy Delete each is dropped over JDBC once no consumer holds it, and its record goes;
 * with Retain the record stays and one SlotAbandoned Event says where the slot is and how to drop it.
 */
final class AbandonedSlots {
  private final SlotDropper dropper;
  private final EventRecorder events;
  private final Notices notices;

  AbandonedSlots(SlotDropper dropper, EventRecorder events, Notices notices) {
    this.dropper = dropper;
    this.events = events;
    this.notices = notices;
  }

  /** With the recorded deletionPolicy Delete, drops every abandoned slot no one holds, as the source login. */
  void drop(PgstreamPipeline p, PgstreamPipelineStatus st, ResolvedCredentials creds, Supplier<List<PgstreamPipeline>> pipelines) {
    if (st.deletionPolicy != DeletionPolicy.Delete || st.slotsCreated == null
        || st.slotsCreated.stream().noneMatch(r -> r.state == SlotRecordState.Abandoned)) {
      return;
    }
    List<PgstreamPipeline> all = pipelines.get();
    for (Iterator<SlotRecord> it = st.slotsCreated.iterator(); it.hasNext(); ) {
      SlotRecord r = it.next();
      if (r.state != SlotRecordState.Abandoned || stillOurs(st.slotsCreated, r) || SlotRecords.slotClaimedByOthers(p, r, all)) {
        continue;
      }
      try {
        SlotDropper.Result result =
            dropper.drop(SlotRecords.connection(p.getSpec().source, r), r.database, creds.sourceUser(), creds.sourcePassword(), r.name);
        if (result == SlotDropper.Result.DROPPED) {
          events.normal(p, "SlotDropped", "Dropped replication slot %s on %s, left behind by a source or slot change (deletionPolicy Delete)".formatted(r.name, SlotRecords.where(r)));
        }
        if (result != SlotDropper.Result.ACTIVE) {
          it.remove();
        }
      } catch (SQLException e) {
        notices.warnOnce(
            p,
            "SlotDropFailed",
            "Cannot drop abandoned replication slot %s on %s: %s. It keeps retaining WAL there; drop it with %s"
                .formatted(r.name, SlotRecords.where(r), Redactor.redact(e.getMessage(), creds.secretValues()), SlotRecords.dropSql(r)));
      }
    }
    if (st.slotsCreated.isEmpty()) {
      st.slotsCreated = null;
    }
  }

  /** A Current record names the same slot in the same place: the pipeline went back to it. */
  private static boolean stillOurs(List<SlotRecord> records, SlotRecord abandoned) {
    return records.stream()
        .anyMatch(r -> SlotRecords.current(r) && Objects.equals(r.name, abandoned.name) && SlotRecords.sameDatabase(r, abandoned));
  }

  /** One SlotAbandoned Event for each record that became Abandoned in this reconcile, when it is kept (Retain). */
  void announce(PgstreamPipeline p, PgstreamPipelineStatus before, PgstreamPipelineStatus after) {
    if (after.slotsCreated == null || after.deletionPolicy == DeletionPolicy.Delete) {
      return;
    }
    for (SlotRecord r : after.slotsCreated) {
      if (r.state == SlotRecordState.Abandoned && !abandonedIn(before, r)) {
        events.warning(
            p,
            "SlotAbandoned",
            ("Replication slot %s on %s is no longer used by this pipeline and stays (deletionPolicy Retain), retaining WAL"
                    + " until dropped: connect to database %s there and run %s")
                .formatted(r.name, SlotRecords.where(r), r.database, SlotRecords.dropSql(r)));
      }
    }
  }

  private static boolean abandonedIn(PgstreamPipelineStatus st, SlotRecord r) {
    return st.slotsCreated != null
        && st.slotsCreated.stream()
            .anyMatch(b -> b.state == SlotRecordState.Abandoned && Objects.equals(b.name, r.name) && SlotRecords.sameDatabase(b, r));
  }
}
