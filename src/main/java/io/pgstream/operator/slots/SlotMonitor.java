package io.pgstream.operator.slots;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.preflight.DatabaseConnector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads a replication slot's state from the source, as the pipeline's own source login. */
public class SlotMonitor {
  private final DatabaseConnector connector;

  public SlotMonitor(DatabaseConnector connector) {
    this.connector = connector;
  }

  /**
   * @param claimed slot names that some PgstreamPipeline uses; other inactive slots that look like
   *     pgstream's (plugin wal2json, or named pgstream_*) are reported
   */
  public SlotHealth check(ConnectionSpec source, String user, String password, String slot, Set<String> claimed)
      throws SQLException {
    try (Connection c = connector.open(source, source.database, user, password)) {
      SlotHealth own = null;
      List<String> unclaimed = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              """
              SELECT slot_name, plugin, active, wal_status,
                     coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::bigint AS lag,
                     coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint AS retained
                FROM pg_replication_slots
               WHERE database = current_database()
                 AND (slot_name = ? OR (NOT active AND (plugin = 'wal2json' OR slot_name LIKE 'pgstream\\_%')))
               ORDER BY slot_name
              """)) {
        ps.setString(1, slot);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString("slot_name");
            if (name.equals(slot)) {
              own =
                  new SlotHealth(
                      true, rs.getBoolean("active"), rs.getLong("lag"), rs.getLong("retained"), rs.getString("wal_status"), List.of());
            } else if (!claimed.contains(name)) {
              unclaimed.add(name);
            }
          }
        }
      }
      return own == null
          ? new SlotHealth(false, false, 0, 0, null, List.copyOf(unclaimed))
          : new SlotHealth(true, own.active(), own.lagBytes(), own.retainedBytes(), own.walStatus(), List.copyOf(unclaimed));
    }
  }
}
