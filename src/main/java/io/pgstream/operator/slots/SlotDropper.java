package io.pgstream.operator.slots;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.preflight.DatabaseConnector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Drops one replication slot over JDBC, as the pipeline's source login (it has REPLICATION): for a
 * slot left behind by a source or slot change, and on deletion where no destroy Job can run. A slot
 * some consumer holds is never dropped: pg_drop_replication_slot would fail, and the holder may not be
 * this pipeline's.
 */
public class SlotDropper {
  /** What became of the slot. */
  public enum Result {
    DROPPED,
    /** Not on the server (never created, or dropped by someone else): nothing left to drop. */
    ABSENT,
    /** A consumer holds it; try again once that consumer stopped. */
    ACTIVE
  }

  private final DatabaseConnector connector;

  public SlotDropper(DatabaseConnector connector) {
    this.connector = connector;
  }

  public Result drop(ConnectionSpec source, String database, String user, String password, String slot)
      throws SQLException {
    try (Connection c = connector.open(source, database, user, password)) {
      try (PreparedStatement look =
          c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()")) {
        look.setString(1, slot);
        try (ResultSet rs = look.executeQuery()) {
          if (!rs.next()) {
            return Result.ABSENT;
          }
          if (rs.getBoolean(1)) {
            return Result.ACTIVE;
          }
        }
      }
      try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
        drop.setString(1, slot);
        drop.execute();
        return Result.DROPPED;
      }
    } catch (SQLException e) {
      // 55006 object_in_use: a consumer took the slot between the look and the drop; 42704: someone else dropped it.
      if ("55006".equals(e.getSQLState())) {
        return Result.ACTIVE;
      }
      if ("42704".equals(e.getSQLState())) {
        return Result.ABSENT;
      }
      throw e;
    }
  }
}
