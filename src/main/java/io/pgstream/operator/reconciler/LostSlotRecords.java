package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.SlotLocation;
import io.pgstream.operator.durable.ProgressRecord;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Status was erased while the pipeline's step Jobs survived: the Jobs say what ran, but not which
 * slots it created, and deletion drops only recorded slots. This restores status.slotsCreated from
 * what outlives status: the slot the durable row on the target names; the slot and place the init Job
 * names ({@link SlotLocation}), made already or (the Job still running) any moment now; the slots
 * status recorded when that Job was made; the spec's slot name found in the spec's database; and the
 * pipeline's default slot name found in any database of the source server. The slot the spec streams
 * from is Current; any other is Abandoned, so the recorded deletionPolicy drops it or announces it,
 * never forgets it.
 */
final class LostSlotRecords {
  private final DatabaseConnector database;
  private final SlotRecords records;

  LostSlotRecords(DatabaseConnector database, Clock clock) {
    this.database = database;
    this.records = new SlotRecords(clock);
  }

  /** Adds the records found; a slot another pipeline records is its, not ours. */
  void restore(
      PgstreamPipeline p,
      Context<PgstreamPipeline> ctx,
      PgstreamPipelineStatus st,
      Optional<ProgressRecord> row,
      List<SlotLocation> initJob,
      Optional<SlotLocation> making,
      ResolvedCredentials creds)
      throws SQLException {
    if (st.slotsCreated != null && !st.slotsCreated.isEmpty()) {
      return;
    }
    ConnectionSpec source = p.getSpec().source;
    String current = p.getSpec().mode != null && p.getSpec().mode.replicates() ? ReplicationSlots.slotFor(p) : null;
    List<SlotRecord> found = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    row.filter(r -> r.slot() != null).ifPresent(r -> {
      if (Objects.equals(r.sourceHost(), source.host) && Objects.equals(r.sourcePort(), source.effectivePort())
          && Objects.equals(r.sourceDatabase(), source.database)) {
        names.add(r.slot());
      } else {
        // On a source the pipeline left: not checked from here; abandoned-slot handling finds out.
        found.add(record(r.slot(), elsewhere(r.sourceHost(), r.sourcePort(), r.sourceDatabase()), SlotRecordState.Abandoned));
      }
    });
    making.ifPresent(at -> found.add(atSpec(at, source)
        ? record(at.slot(), source, at.slot().equals(current) ? SlotRecordState.Current : SlotRecordState.Abandoned)
        : record(at.slot(), elsewhere(at.host(), at.port(), at.database()), SlotRecordState.Abandoned)));
    initJob.forEach(at -> {
      if (atSpec(at, source)) {
        names.add(at.slot());
      } else {
        // On a source the spec has left (its server may not be the spec's): the Job names the place.
        found.add(record(at.slot(), elsewhere(at.host(), at.port(), at.database()), SlotRecordState.Abandoned));
      }
    });
    if (current != null) {
      names.add(current);
    }
    String own = ReplicationSlots.defaultName(p.getMetadata().getNamespace(), p.getMetadata().getName());
    names.add(own);
    try (Connection c = database.open(source, source.database, creds.sourceUser(), creds.sourcePassword())) {
      for (String name : names) {
        // Slot names are unique per server; the pipeline's own default name counts in any database of it
        // (an init for a database the spec has left since), a name the spec chose only in the spec's.
        Optional<String> in = Jdbc.one(c, "SELECT database FROM pg_replication_slots WHERE slot_name = ?", rs -> rs.getString(1), name);
        if (in.isPresent() && in.get().equals(source.database)) {
          found.add(record(name, source, name.equals(current) ? SlotRecordState.Current : SlotRecordState.Abandoned));
        } else if (in.isPresent() && name.equals(own)) {
          found.add(record(name, elsewhere(source.host, source.effectivePort(), in.get()), SlotRecordState.Abandoned));
        }
      }
    }
    List<PgstreamPipeline> all = ctx.getPrimaryCache().list().toList();
    found.removeIf(r -> SlotRecords.slotClaimedByOthers(p, r, all));
    // The row and the server can name one slot twice.
    Set<List<Object>> seen = new HashSet<>();
    found.removeIf(r -> !seen.add(Arrays.asList(r.name, r.host, r.port, r.database)));
    if (!found.isEmpty()) {
      st.slotsCreated = found;
    }
  }

  private static boolean atSpec(SlotLocation at, ConnectionSpec source) {
    return Objects.equals(at.host(), source.host) && at.port() == source.effectivePort() && at.database().equals(source.database);
  }

  private static ConnectionSpec elsewhere(String host, Integer port, String database) {
    ConnectionSpec c = new ConnectionSpec();
    c.host = host;
    c.port = port;
    c.database = database;
    return c;
  }

  private SlotRecord record(String name, ConnectionSpec where, SlotRecordState state) {
    SlotRecord r = records.record(name, where);
    r.state = state;
    return r;
  }
}
