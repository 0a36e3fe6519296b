package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.api.AcknowledgedRisk;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.RolesSnapshotMode;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The roles snapshot against what the target login may create, source and target on separate
 * PostgreSQL 17 servers (roles are per server). The statements pgstream would replay (pg_dumpall's
 * CREATE ROLE, ALTER ROLE ... WITH, GRANT ... GRANTED BY, minus NO* attributes) are also run as the
 * target login, in a rolled-back transaction, to show the finding matches what the server does.
 */
class RoleRestoreTest {
  static final String PW = "R0les-restore";
  static final AtomicInteger SEQ = new AtomicInteger();

  final Preflight preflight = new Preflight(DatabaseConnector.defaults());
  final TestPostgres source = TestPostgres.rds();
  final String id = "rr" + SEQ.incrementAndGet();
  final String src = id + "_src";
  final String tgt = id + "_tgt";
  final String srcUser = id + "_reader";
  final String tgtUser = id + "_writer";
  final String repl = id + "_repl";
  final String rls = id + "_rls";
  final String db = id + "_db";
  final String group = id + "_group";
  final String member = id + "_member";

  /** Source roles that own the selected tables; member is in group, granted by the superuser postgres. */
  private void sourceRoles() {
    source.login(srcUser, PW, "");
    source.execute(
        "postgres",
        "CREATE ROLE " + repl + " LOGIN REPLICATION",
        "CREATE ROLE " + rls + " BYPASSRLS",
        "CREATE ROLE " + db + " CREATEDB",
        "CREATE ROLE " + group,
        "CREATE ROLE " + member + " LOGIN",
        "GRANT " + group + " TO " + member);
    source.database(
        src,
        "postgres",
        "CREATE SCHEMA app",
        "CREATE TABLE app.t1 (id int PRIMARY KEY)",
        "ALTER TABLE app.t1 OWNER TO " + repl,
        "CREATE TABLE app.t2 (id int PRIMARY KEY)",
        "ALTER TABLE app.t2 OWNER TO " + rls,
        "CREATE TABLE app.t3 (id int PRIMARY KEY)",
        "ALTER TABLE app.t3 OWNER TO " + db,
        "CREATE TABLE app.t4 (id int PRIMARY KEY)",
        "ALTER TABLE app.t4 OWNER TO " + member,
        "GRANT USAGE ON SCHEMA app TO " + srcUser,
        "GRANT SELECT ON ALL TABLES IN SCHEMA app TO " + srcUser);
  }

  private PgstreamPipelineSpec spec(TestPostgres target, Boolean noOwner) {
    PgstreamPipelineSpec spec = Pipelines.onServers("rr", source, src, target, tgt).getSpec();
    spec.mode = PipelineMode.SNAPSHOT;
    spec.tables = List.of("app.*");
    spec.snapshot.schema = new SchemaSnapshotSpec();
    spec.snapshot.schema.rolesSnapshotMode = RolesSnapshotMode.NO_PASSWORDS;
    spec.snapshot.schema.noOwner = noOwner;
    return spec;
  }

  private PreflightReport run(PgstreamPipelineSpec spec) {
    return preflight.run(spec, id + "_slot", new ResolvedCredentials(srcUser, PW, tgtUser, PW), SlotClaim.NONE);
  }

  private static Finding roles(PreflightReport r) {
    return r.findings().stream()
        .filter(f -> f.code().equals("RolesNotRestorable"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no RolesNotRestorable in " + r.findings()));
  }

  /** Runs statements as the target login in one transaction that is rolled back. */
  private void asTargetLogin(TestPostgres target, String... statements) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + target.port() + "/" + tgt, tgtUser, PW)) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        for (String sql : statements) {
          st.execute(sql);
        }
      } finally {
        c.rollback();
      }
    }
  }

  @Test
  void eachRoleAndMembershipTheTargetLoginCannotRestoreIsNamed() throws SQLException {
    sourceRoles();
    TestPostgres target = TestPostgres.vanilla();
    target.login(tgtUser, PW, "CREATEROLE");
    target.database(tgt, tgtUser);
    PreflightReport r = run(spec(target, false));
    Finding f = roles(r);
    assertThat(f.side()).isEqualTo(Side.TARGET);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.cause())
        .contains(
            "\"" + repl + "\" has REPLICATION, which " + tgtUser + " lacks",
            "\"" + rls + "\" has BYPASSRLS, which " + tgtUser + " lacks",
            "\"" + db + "\" has CREATEDB, which " + tgtUser + " lacks",
            "GRANT \"" + group + "\" TO \"" + member + "\" GRANTED BY \"postgres\" is refused",
            "\"" + member + "\" owns objects and is in a membership")
        .doesNotContain("\"postgres\",", "rds_replication");
    assertThat(f.fix())
        .contains(
            "ALTER ROLE \"" + tgtUser + "\" REPLICATION;",
            "ALTER ROLE \"" + tgtUser + "\" BYPASSRLS;",
            "ALTER ROLE \"" + tgtUser + "\" CREATEDB;",
            "noOwner: true",
            "rolesSnapshotMode: disabled");

    // What the server says to the statements pgstream replays, one at a time.
    for (String attribute : List.of("REPLICATION", "BYPASSRLS", "CREATEDB")) {
      assertThatThrownBy(() -> asTargetLogin(target, "CREATE ROLE probe_role", "ALTER ROLE probe_role WITH LOGIN " + attribute))
          .hasMessageContaining("permission denied to alter role");
    }
    assertThatThrownBy(
            () -> asTargetLogin(target, "CREATE ROLE " + group, "CREATE ROLE " + member, "GRANT " + group + " TO " + member + " GRANTED BY postgres"))
        .hasMessageContaining("permission denied to grant privileges as role \"postgres\"");
  }

  @Test
  void roleProblemsBlockEvenWhenRisksAreAcknowledged() {
    sourceRoles();
    TestPostgres target = TestPostgres.vanilla();
    target.login(tgtUser, PW, "CREATEROLE");
    target.database(tgt, tgtUser);
    PgstreamPipelineSpec spec = spec(target, false);
    spec.acknowledge = List.of(AcknowledgedRisk.values());
    assertThat(roles(run(spec)).severity()).isEqualTo(Severity.ERROR);
  }

  @Test
  void aTargetLoginHoldingTheAttributesRestoresTheRoles() throws SQLException {
    sourceRoles();
    // Without the membership the remaining roles only need attributes the login holds.
    source.execute("postgres", "REVOKE " + group + " FROM " + member);
    TestPostgres target = TestPostgres.vanilla();
    target.login(tgtUser, PW, "CREATEROLE REPLICATION BYPASSRLS CREATEDB");
    target.database(tgt, tgtUser);
    PreflightReport r = run(spec(target, false));
    assertThat(r.findings()).isEmpty();
    assertThat(r.passed()).contains("target: roles snapshot restorable as " + tgtUser);
    assertThatCode(
            () ->
                asTargetLogin(
                    target,
                    "CREATE ROLE " + repl,
                    "ALTER ROLE " + repl + " WITH LOGIN REPLICATION",
                    "CREATE ROLE " + rls,
                    "ALTER ROLE " + rls + " WITH BYPASSRLS",
                    "CREATE ROLE " + db,
                    "ALTER ROLE " + db + " WITH CREATEDB"))
        .doesNotThrowAnyException();
  }

  @Test
  void aRoleThatAlreadyExistsOnTheTargetNeedsAdminOption() throws SQLException {
    sourceRoles();
    TestPostgres target = TestPostgres.vanilla();
    target.login(tgtUser, PW, "CREATEROLE REPLICATION BYPASSRLS CREATEDB");
    target.database(tgt, tgtUser);
    target.execute("postgres", "DROP ROLE IF EXISTS " + db, "CREATE ROLE " + db);
    try {
      Finding f = roles(run(spec(target, false)));
      assertThat(f.cause()).contains("\"" + db + "\" exists on the target and ALTER ROLE needs ADMIN OPTION on it");
      assertThat(f.fix()).contains("GRANT \"" + db + "\" TO \"" + tgtUser + "\" WITH ADMIN OPTION;");
      assertThatThrownBy(() -> asTargetLogin(target, "ALTER ROLE " + db + " WITH CREATEDB"))
          .hasMessageContaining("permission denied to alter role");
    } finally {
      target.execute("postgres", "DROP ROLE " + db);
    }
  }

  @Test
  void withNoOwnerAndNoPrivilegesTheSchemaDumpNamesNoRoleSoNoneIsRestored() {
    sourceRoles();
    TestPostgres target = TestPostgres.vanilla();
    target.login(tgtUser, PW, "CREATEROLE");
    target.database(tgt, tgtUser);
    PreflightReport r = run(spec(target, null));
    assertThat(r.findings()).isEmpty();
  }

  @Test
  void grantedPrivilegesNameTheirGrantees() {
    sourceRoles();
    source.execute(src, "CREATE TABLE app.t5 (id int)", "GRANT SELECT ON app.t5 TO " + rls, "GRANT SELECT ON app.t5 TO " + srcUser);
    TestPostgres target = TestPostgres.vanilla();
    target.login(tgtUser, PW, "CREATEROLE");
    target.database(tgt, tgtUser);
    PgstreamPipelineSpec spec = spec(target, null);
    spec.snapshot.schema.noPrivileges = false;
    Finding f = roles(run(spec));
    assertThat(f.cause()).contains("\"" + rls + "\" has BYPASSRLS").doesNotContain(repl, "\"" + db + "\"");
  }

  @Test
  void onRdsReplicationAndSuperuserCannotBeGivenByTheMasterUser() {
    sourceRoles();
    source.execute("postgres", "ALTER ROLE " + db + " SUPERUSER");
    TestPostgres target = TestPostgres.rds("roles-target");
    target.login(tgtUser, PW, "CREATEROLE CREATEDB");
    target.execute("postgres", "GRANT rds_superuser TO " + tgtUser + " WITH ADMIN OPTION");
    target.database(tgt, tgtUser);
    Finding f = roles(run(spec(target, false)));
    assertThat(f.cause())
        .contains(
            "\"" + repl + "\" has REPLICATION, which nobody may give on RDS",
            "\"" + db + "\" is SUPERUSER, which only a superuser may give (rds_superuser members may not)");
    assertThat(f.fix()).contains("GRANT rds_replication TO \"" + repl + "\";", "ALTER ROLE \"" + db + "\" NOSUPERUSER;");
  }
}
