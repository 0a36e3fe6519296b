package io.pgstream.operator.preflight;

import io.pgstream.operator.api.ConnectionSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens the operator's own short-lived JDBC connections (checks, preparation, slot health). Every
 * connection has connect, socket and statement timeouts, so an unreachable database answers within
 * seconds instead of holding a reconcile thread.
 */
public class DatabaseConnector {
  private final Duration connectTimeout;
  private final Duration statementTimeout;

  public DatabaseConnector(Duration connectTimeout, Duration statementTimeout) {
    this.connectTimeout = connectTimeout;
    this.statementTimeout = statementTimeout;
  }

  public static DatabaseConnector defaults() {
    return new DatabaseConnector(Duration.ofSeconds(10), Duration.ofSeconds(15));
  }

  /** The same connect timeout with another statement (and socket) timeout, for longer queries than the checks'. */
  public DatabaseConnector withStatementTimeout(Duration timeout) {
    return new DatabaseConnector(connectTimeout, timeout);
  }

  public Connection open(ConnectionSpec c, String database, String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    props.setProperty("sslmode", c.effectiveSslMode().libpqValue());
    props.setProperty("connectTimeout", Long.toString(connectTimeout.toSeconds()));
    props.setProperty("socketTimeout", Long.toString(statementTimeout.toSeconds() * 2));
    props.setProperty("loginTimeout", Long.toString(connectTimeout.toSeconds()));
    props.setProperty("ApplicationName", "pgstream-operator");
    props.setProperty("options", "-c statement_timeout=" + statementTimeout.toMillis());
    // The database travels as a property, so no name needs escaping inside the URL.
    props.setProperty("PGDBNAME", database);
    return PeerFailure.open(c, () -> DriverManager.getConnection("jdbc:postgresql://" + c.host + ":" + c.effectivePort() + "/", props));
  }
}
