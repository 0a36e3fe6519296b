package io.pgstream.operator.preflight;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The server's own identity: the system identifier every cluster gets at initdb (and a restored or
 * failed-over copy keeps, so its slots may not be there). Any login may call pg_control_system(),
 * a plain one as well as a REPLICATION one; a server that refuses it leaves the identity unknown.
 */
final class SystemIdentifier {
  private SystemIdentifier() {}

  static Optional<String> read(Connection c) {
    try {
      return Jdbc.one(c, "SELECT system_identifier::text FROM pg_control_system()", rs -> rs.getString(1));
    } catch (SQLException e) {
      return Optional.empty();
    }
  }
}
