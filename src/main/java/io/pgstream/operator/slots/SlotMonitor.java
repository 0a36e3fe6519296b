package io.pgstream.operator.slots;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Reads every replication slot of a source database in one query, as one pipeline login: all the
 * pipelines reading that database share the answer.
 */
public class SlotMonitor {
  private final DatabaseConnector connector;

  public SlotMonitor(DatabaseConnector connector) {
    this.connector = connector;
  }

  public List<SlotRow> readAll(ConnectionSpec source, String user, String password) throws SQLException {
    try (Connection c = connector.open(source, source.database, user, password)) {
      return Jdbc.query(
          c,
          """
          SELECT slot_name, plugin, active, wal_status,
                 coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::bigint AS lag,
                 coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint AS retained
            FROM pg_replication_slots
           WHERE database = current_database()
           ORDER BY slot_name
          """,
          rs ->
              new SlotRow(
                  rs.getString("slot_name"),
                  rs.getString("plugin"),
                  rs.getBoolean("active"),
                  rs.getString("wal_status"),
                  rs.getLong("lag"),
                  rs.getLong("retained")));
    }
  }
}
