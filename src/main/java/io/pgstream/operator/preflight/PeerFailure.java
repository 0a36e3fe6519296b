package io.pgstream.operator.preflight;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.tls.TlsVerificationFailed;
import java.io.FileNotFoundException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failed connection attempt may tell the pipeline's author. The operator dials hosts from its
 * own network position, so the driver's text about a peer that is not a PostgreSQL server (a web
 * server's banner, bytes of another protocol, a refused TLS handshake) would let a tenant map what
 * that position reaches: such failures get one generic sentence, and refused or silent ports a short
 * fixed one. Errors a PostgreSQL server sent (a refused login, a missing database) pass unchanged.
 */
public final class PeerFailure {
  private static final Logger LOG = LoggerFactory.getLogger(PeerFailure.class);
  /**
   * pgjdbc's fixed texts after the peer answered as PostgreSQL: the login was refused, the
   * database is missing, or the server rejected the connection (no SSL, an unsupported
   * authentication method).
   */
  private static final Set<String> FROM_POSTGRESQL = Set.of("28P01", "28000", "3D000", "08004");

  /** Opens a connection; a SQLException on the way. */
  @FunctionalInterface
  public interface Attempt {
    Connection open() throws SQLException;
  }

  private PeerFailure() {}

  /** The attempt's connection, or its failure as the pipeline may see it. */
  public static Connection open(ConnectionSpec c, Attempt attempt) throws SQLException {
    try {
      return attempt.open();
    } catch (SQLException e) {
      // A certificate that fails verification is told with the bundle that was used and the fix.
      Optional<TlsVerificationFailed> tls = TlsVerificationFailed.of(e, c);
      if (tls.isPresent()) {
        throw tls.get();
      }
      throw told(c.host + ":" + c.effectivePort(), e);
    }
  }

  /** Not chained to {@code e}: a caller reading the root cause would find the peer's text again. */
  static SQLException told(String where, SQLException e) {
    if (answeredAsPostgres(e) || has(e, FileNotFoundException.class)) {
      // A missing sslrootcert is the operator's own configuration: the text names a local file.
      return e;
    }
    LOG.debug("connection to {} failed: {}", where, e.getMessage());
    String state = e.getSQLState();
    if (has(e, ConnectException.class)) {
      return new SQLException("the connection to " + where + " was refused", state);
    }
    if (has(e, SocketTimeoutException.class) || has(e, NoRouteToHostException.class)) {
      return new SQLException(where + " did not answer in time", state);
    }
    if (has(e, UnknownHostException.class)) {
      return new SQLException("the host name of " + where + " does not resolve", state);
    }
    return new SQLException("the peer at " + where + " did not answer as a PostgreSQL server", state);
  }

  private static boolean answeredAsPostgres(SQLException e) {
    return (e instanceof PSQLException p && p.getServerErrorMessage() != null) || FROM_POSTGRESQL.contains(e.getSQLState());
  }

  private static boolean has(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
