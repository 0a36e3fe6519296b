package io.pgstream.operator.preflight;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.tls.RootCertFiles;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.ssl.DefaultJavaSSLFactory;

/**
 * Opens the operator's own short-lived JDBC connections (checks, preparation, slot health). Every
 * connection has connect, socket and statement timeouts, so an unreachable database answers within
 * seconds instead of holding a reconcile thread.
 */
public class DatabaseConnector {
  private final Duration connectTimeout;
  private final Duration statementTimeout;
  private final RootCertFiles rootCerts;

  private DatabaseConnector(Duration connectTimeout, Duration statementTimeout, RootCertFiles rootCerts) {
    this.connectTimeout = connectTimeout;
    this.statementTimeout = statementTimeout;
    this.rootCerts = rootCerts;
  }

  public static DatabaseConnector defaults() {
    return new DatabaseConnector(Duration.ofSeconds(10), Duration.ofSeconds(15), RootCertFiles.inTempDirectory());
  }

  /** The same connect timeout with another statement (and socket) timeout, for longer queries than the checks'. */
  public DatabaseConnector withStatementTimeout(Duration timeout) {
    return new DatabaseConnector(connectTimeout, timeout, rootCerts);
  }

  public Connection open(ConnectionSpec c, String database, String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    tls(c, props);
    props.setProperty("connectTimeout", Long.toString(connectTimeout.toSeconds()));
    props.setProperty("socketTimeout", Long.toString(statementTimeout.toSeconds() * 2));
    props.setProperty("loginTimeout", Long.toString(connectTimeout.toSeconds()));
    props.setProperty("ApplicationName", "pgstream-operator");
    props.setProperty("options", "-c statement_timeout=" + statementTimeout.toMillis());
    // The database travels as a property, so no name needs escaping inside the URL.
    props.setProperty("PGDBNAME", database);
    return PeerFailure.open(c, () -> DriverManager.getConnection("jdbc:postgresql://" + c.host + ":" + c.effectivePort() + "/", props));
  }

  /**
   * The same verification the pods get from pgx and libpq: with a bundle, trust only it (and, as
   * libpq does, let require check the CA too); in a verify mode without one, the JVM's trust store,
   * as pgx falls back to the system roots. pgjdbc's own default would look for ~/.postgresql/root.crt.
   */
  private void tls(ConnectionSpec c, Properties props) throws SQLException {
    SslMode mode = c.effectiveSslMode();
    if (c.trustedCa != null && mode == SslMode.REQUIRE) {
      mode = SslMode.VERIFY_CA;
    }
    props.setProperty("sslmode", mode.libpqValue());
    if (!mode.verifies()) {
      return;
    }
    if (c.trustedCa == null) {
      props.setProperty("sslfactory", DefaultJavaSSLFactory.class.getName());
      return;
    }
    try {
      props.setProperty("sslrootcert", rootCerts.fileFor(c.trustedCa).toString());
    } catch (IOException e) {
      throw new SQLException("Cannot write " + c.trustedCa.origin() + " to a file for pgjdbc: " + e.getMessage(), "08000");
    }
  }
}
