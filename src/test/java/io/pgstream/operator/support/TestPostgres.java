package io.pgstream.operator.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real PostgreSQL 17 servers (zonky embedded binaries from Maven) started once per test JVM.
 *
 * <p>{@link #rds()} emulates RDS as pgstream's RDS guide describes it: wal_level=logical, the
 * {@code rds.logical_replication} setting, NOLOGIN roles rds_superuser and rds_replication, and
 * session_replication_role settable by rds_superuser members. {@link #vanilla()} is a plain server
 * with wal_level=replica, no WAL senders and two replication slots, for the failing side of checks.
 * Both require passwords (scram-sha-256) from every role but the bootstrap superuser, and accept TLS
 * with a certificate for {@link TestCertificates#SERVER_HOST} from the test CA.
 * {@link #external} wraps a server started outside the JVM (the e2e tier's Debian PostgreSQL).
 */
public final class TestPostgres {
  private static final Map<String, TestPostgres> SERVERS = new ConcurrentHashMap<>();

  private final int port;
  /** The bootstrap superuser's password; embedded servers trust it on loopback. */
  private final String password;

  private TestPostgres(int port, String password) {
    this.port = port;
    this.password = password;
  }

  /** A server on 127.0.0.1:{@code port} whose superuser postgres has {@code password}. */
  public static TestPostgres external(int port, String password) {
    return new TestPostgres(port, password);
  }

  public static TestPostgres rds() {
    return rds("rds");
  }

  /** An RDS-emulating server per name, for tests that need source and target on separate servers. */
  public static TestPostgres rds(String name) {
    return rds(name, 10);
  }

  /** An RDS-emulating server per name with room for {@code slots} replication slots. */
  public static TestPostgres rds(String name, int slots) {
    return SERVERS.computeIfAbsent(
        name,
        k -> {
          TestPostgres server =
              start(
                  Map.of(
                      "wal_level", "logical",
                      "max_replication_slots", String.valueOf(slots),
                      "max_wal_senders", "10",
                      "max_slot_wal_keep_size", "10GB",
                      "rds.logical_replication", "on"));
          server.emulateRdsRoles();
          server.allowWal2json();
          return server;
        });
  }

  /**
   * PostgreSQL minors from November 2026 load only the output plugins output_plugin_libraries lists
   * (on RDS, a parameter group setting); pgstream's slot uses wal2json. Older minors lack the setting.
   */
  public void allowWal2json() {
    if (query("postgres", "SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'") == 1) {
      execute(
          "postgres",
          "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'wal2json'",
          "SELECT pg_reload_conf()");
    }
  }

  /** RDS's NOLOGIN roles, and session_replication_role settable by rds_superuser members (PG15+). */
  public void emulateRdsRoles() {
    execute(
        "postgres",
        "CREATE ROLE rds_superuser NOLOGIN",
        "CREATE ROLE rds_replication NOLOGIN",
        "GRANT rds_replication TO rds_superuser WITH ADMIN OPTION",
        "GRANT SET ON PARAMETER session_replication_role TO rds_superuser");
  }

  public static TestPostgres vanilla() {
    return SERVERS.computeIfAbsent(
        "vanilla",
        k -> start(Map.of("wal_level", "replica", "max_replication_slots", "2", "max_wal_senders", "0")));
  }

  /**
   * A server in recovery, like an Aurora reader or RDS read replica: a fresh cluster started with
   * standby.signal and no primary, which hot standby opens read-only at once.
   */
  public static TestPostgres replica() {
    return SERVERS.computeIfAbsent(
        "replica",
        k ->
            start(
                Map.of("wal_level", "logical"),
                dir -> {
                  requirePasswords(dir);
                  try {
                    Files.writeString(dir.toPath().resolve("standby.signal"), "");
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }));
  }

  private static TestPostgres start(Map<String, String> config) {
    return start(config, TestPostgres::requirePasswords);
  }

  private static TestPostgres start(Map<String, String> config, java.util.function.Consumer<File> customizer) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectoryCustomizer(customizer);
      config.forEach(builder::setServerConfig);
      // Every server also accepts TLS, with a certificate of the test CA issued for localhost only.
      builder.setServerConfig("ssl", "on");
      builder.setServerConfig("ssl_cert_file", TestCertificates.get().serverCert().toString());
      builder.setServerConfig("ssl_key_file", TestCertificates.get().serverKey().toString());
      EmbeddedPostgres pg = builder.start();
      return new TestPostgres(pg.getPort(), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void requirePasswords(File dataDirectory) {
    try {
      Files.writeString(
          dataDirectory.toPath().resolve("pg_hba.conf"),
          """
          local all all trust
          host all postgres 127.0.0.1/32 trust
          host all postgres ::1/128 trust
          host all all 127.0.0.1/32 scram-sha-256
          host all all ::1/128 scram-sha-256
          """);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** A connection as the bootstrap superuser. */
  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", password);
  }

  /** Runs statements as the bootstrap superuser in {@code database}. */
  public void execute(String database, String... statements) {
    try (Connection c = connect(database);
        Statement st = c.createStatement()) {
      for (String sql : statements) {
        st.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("test setup failed: " + e.getMessage(), e);
    }
  }

  /** A one-number query as the bootstrap superuser. */
  public long query(String database, String sql) {
    return Long.parseLong(text(database, sql));
  }

  /** A one-value query as the bootstrap superuser; null when it returns no row. */
  public String text(String database, String sql) {
    try (Connection c = connect(database);
        Statement st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException("test query failed: " + e.getMessage(), e);
    }
  }

  /** A login role (dropped first if it exists) with a password and the given attributes. */
  public void login(String role, String password, String attributes) {
    execute(
        "postgres",
        "DROP ROLE IF EXISTS " + role,
        "CREATE ROLE " + role + " LOGIN " + attributes + " PASSWORD '" + password.replace("'", "''") + "'");
  }

  /** A fresh database owned by {@code owner}, with {@code statements} run in it as superuser. */
  public void database(String name, String owner, String... statements) {
    execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", "CREATE DATABASE " + name + " OWNER " + owner);
    execute(name, statements);
  }
}
