package io.pgstream.operator.preflight;

import io.pgstream.operator.api.SourceSpec;
import io.pgstream.operator.credentials.Login;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Whether logical replication is in effect on the running source server, asked over SQL with the
 * pipeline's source login. A parameter group says what the server will run after its next reboot;
 * only the server says what it runs now. On RDS rds.logical_replication=1 makes the server start
 * with wal_level=logical, and wal_level is what logical decoding needs: that decides, and
 * rds.logical_replication (absent outside RDS) is reported beside it.
 */
public final class LogicalReplicationInEffect {
  /**
   * The server's answer.
   *
   * @param inEffect true or false as the server said; null when it could not be asked
   * @param said what the server said, or why it could not be asked, for a condition message
   */
  public record Answer(Boolean inEffect, String said) {}

  private final DatabaseConnector connector;

  public LogicalReplicationInEffect(DatabaseConnector connector) {
    this.connector = connector;
  }

  public Answer ask(SourceSpec source, Login login) {
    try (Connection c = connector.open(source, source.database, login.user(), login.password())) {
      ServerFacts f = ServerFacts.read(c);
      String rds = f.rdsLogicalReplication() == null ? "" : " and rds.logical_replication=" + f.rdsLogicalReplication();
      return new Answer("logical".equals(f.walLevel()), "the server runs with wal_level=" + f.walLevel() + rds);
    } catch (SQLException e) {
      // Messages from PeerFailure are the ones a pipeline may see; a login prepare creates later fails here first.
      return new Answer(null, "the server could not be asked as " + login.user() + ": " + e.getMessage());
    }
  }
}
