package io.pgstream.operator.slots;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;

/** WAL positions on the source: where it is now. */
public class SlotPositions {
  private final DatabaseConnector connector;

  public SlotPositions(DatabaseConnector connector) {
    this.connector = connector;
  }

  public String current(ConnectionSpec source, String user, String password) throws SQLException {
    try (Connection c = connector.open(source, source.database, user, password)) {
      return insertLsn(c);
    }
  }

  /**
   * Where the source is: the insert position, not pg_current_wal_lsn (the write position), which lags
   * committed work by up to wal_writer_delay under synchronous_commit off.
   */
  public static String insertLsn(Connection c) throws SQLException {
    return Jdbc.one(c, "SELECT pg_current_wal_insert_lsn()::text", rs -> rs.getString(1)).orElseThrow();
  }
}
