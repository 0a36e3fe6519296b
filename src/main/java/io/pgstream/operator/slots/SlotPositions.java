package io.pgstream.operator.slots;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;

/** WAL positions on the source: where it is now, and whether a slot's consumer has confirmed past a position. */
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

  /** Whether the slot's confirmed_flush_lsn has reached {@code lsn}: its consumer wrote everything before it. */
  public boolean confirmedPast(ConnectionSpec source, String user, String password, String slot, String lsn) throws SQLException {
    try (Connection c = connector.open(source, source.database, user, password)) {
      return Jdbc.isTrue(
          c,
          "SELECT coalesce(confirmed_flush_lsn >= ?::pg_lsn, false) FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()",
          lsn,
          slot);
    }
  }
}
