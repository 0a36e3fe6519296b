package io.pgstream.operator.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.support.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The record store against a real PostgreSQL target, as the logins a pipeline has there. */
class ProgressRecordsTest {
  static final String DB = "durable_records";
  static final String OWNER = "records_owner";
  static final String PLAIN = "records_plain";
  static final String PASSWORD = "rec-P@ss:1";
  final TestPostgres pg = TestPostgres.rds();

  @BeforeEach
  void freshDatabase() {
    pg.execute("postgres", "DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
    pg.login(OWNER, PASSWORD, "");
    pg.login(PLAIN, PASSWORD, "");
    pg.execute("postgres", "CREATE DATABASE " + DB + " OWNER " + OWNER);
    pg.execute(DB, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  }

  @Test
  void aRowIsWrittenReadBackAndReplacedUnderTheSameNamespaceAndName() throws SQLException {
    try (Connection c = as(OWNER)) {
      assertThat(ProgressRecords.read(c, "team-a", "orders")).as("no table yet").isEmpty();
      ProgressRecord initOnly = record("uid-1", "2026-12-01T10:00:00Z", null, null);
      ProgressRecords.write(c, initOnly);
      assertThat(ProgressRecords.read(c, "team-a", "orders")).contains(initOnly);

      // The pipeline re-created (another UID) and its snapshot done: one row, replaced whole.
      ProgressRecord done = record("uid-2", "2026-12-01T10:00:00Z", "n1", "2026-12-01T11:30:15Z");
      ProgressRecords.write(c, done);
      assertThat(ProgressRecords.read(c, "team-a", "orders")).contains(done);
      assertThat(ProgressRecords.read(c, "team-b", "orders")).isEmpty();
      assertThat(pg.query(DB, "SELECT count(*) FROM " + ProgressRecords.TABLE)).isEqualTo(1);
    }
  }

  @Test
  void aLoginThatMayNotCreateTheSchemaIsRefusedUntilAnAdminCreatesTheTableForIt() throws SQLException {
    try (Connection c = as(PLAIN)) {
      assertThatThrownBy(() -> ProgressRecords.write(c, record("uid-1", "2026-12-01T10:00:00Z", null, null)))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
    }
    try (Connection admin = as(OWNER)) {
      ProgressRecords.ensureTable(admin, PLAIN);
    }
    try (Connection c = as(PLAIN)) {
      ProgressRecord r = record("uid-1", "2026-12-01T10:00:00Z", null, null);
      ProgressRecords.write(c, r);
      ProgressRecords.write(c, r);
      assertThat(ProgressRecords.read(c, "team-a", "orders")).contains(r);
    }
  }

  @Test
  void theRowHoldsNamesAndFactsNeverACredential() throws SQLException {
    try (Connection c = as(OWNER)) {
      ProgressRecords.write(c, record("uid-1", "2026-12-01T10:00:00Z", "n1", "2026-12-01T11:30:15Z"));
    }
    String row = pg.text(DB, "SELECT row_to_json(r)::text FROM " + ProgressRecords.TABLE + " r");
    assertThat(row).contains("pgstream_team_a_orders", "uid-1").doesNotContain(PASSWORD);
    assertThat(pg.text(DB, "SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_schema = '"
            + ProgressRecords.SCHEMA + "'"))
        .doesNotContainIgnoringCase("password").doesNotContainIgnoringCase("user");
  }

  private static ProgressRecord record(String uid, String initializedAt, String nonce, String snapshotAt) {
    return new ProgressRecord(
        "team-a", "orders", uid, "SNAPSHOT_AND_REPLICATION", "db.example", 5432, "app", "pgstream_team_a_orders",
        initializedAt, nonce, snapshotAt == null ? null : "h1", snapshotAt == null ? null : List.of("public.orders"), snapshotAt);
  }

  private Connection as(String user) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + DB, user, PASSWORD);
  }
}
