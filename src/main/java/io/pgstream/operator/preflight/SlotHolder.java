package io.pgstream.operator.preflight;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who holds a replication slot, from pg_stat_replication: the WAL sender's application_name and
 * login, and its client address where this login may see it (its own sessions, or pg_read_all_stats).
 */
final class SlotHolder {
  private SlotHolder() {}

  static String read(Connection c, Integer pid) throws SQLException {
    if (pid == null) {
      return "another consumer";
    }
    List<String> parts = new ArrayList<>();
    Jdbc.one(
            c,
            "SELECT application_name, usename::text, client_addr::text FROM pg_stat_replication WHERE pid = ?",
            rs -> {
              String application = rs.getString(1);
              if (application != null && !application.isEmpty()) {
                parts.add("application_name \"" + application + "\"");
              }
              if (rs.getString(2) != null) {
                parts.add("login " + rs.getString(2));
              }
              if (rs.getString(3) != null) {
                parts.add("from " + rs.getString(3));
              }
              return parts;
            },
            pid);
    return "PID " + pid + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
  }
}
