package io.pgstream.operator.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.TargetPrepareSpec;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.preflight.PreflightReport;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Preparation with an emulated RDS master user (CREATEDB CREATEROLE, rds_superuser, not superuser). */
class PreparerTest {
  static final String PW = "Prep:ar3/P@ss 'x'";
  static final AtomicInteger SEQ = new AtomicInteger();

  final TestPostgres rds = TestPostgres.rds();
  final DatabaseConnector connector = DatabaseConnector.defaults();
  final Preparer preparer = new Preparer(connector);
  final String id = "pp" + SEQ.incrementAndGet();
  final String master = id + "_master";
  final Login admin = new Login(master, PW);
  final Login source = new Login(id + "_source", PW);
  final Login target = new Login(id + "_target", PW);
  PgstreamPipelineSpec spec;

  @BeforeEach
  void masterAndDatabases() {
    rds.login(master, PW, "CREATEDB CREATEROLE");
    rds.execute("postgres", "GRANT rds_superuser TO " + master + " WITH ADMIN OPTION");
    rds.database(id + "_src", master);
    rds.database(id + "_tgt", master);
    // The application's tables belong to the master user, as on a typical RDS instance.
    asMaster(
        id + "_src",
        "CREATE TABLE public.orders (id int PRIMARY KEY)",
        "CREATE SCHEMA billing",
        "CREATE TABLE billing.invoices (id serial PRIMARY KEY)");
    spec = Pipelines.onServers("pp", rds, id + "_src", rds, id + "_tgt").getSpec();
    spec.tables = List.of("public.*", "billing.*");
    spec.prepare = new PrepareSpec();
    spec.prepare.source = new SourcePrepareSpec();
    spec.prepare.target = new TargetPrepareSpec();
  }

  @Test
  void preparesTheSourceOnceAndThenHasNothingToDo() throws SQLException {
    List<String> first = preparer.prepareSource(spec, source, admin);
    String u = "\"" + source.user() + "\"";
    assertThat(first)
        .contains(
            "CREATE ROLE " + u + " LOGIN",
            "set password of " + source.user(),
            "GRANT rds_replication TO " + u,
            "GRANT CREATE ON DATABASE \"" + id + "_src\" TO " + u,
            "GRANT USAGE ON SCHEMA \"billing\" TO " + u,
            "GRANT SELECT ON ALL TABLES IN SCHEMA \"billing\" TO " + u,
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"" + master + "\" IN SCHEMA \"public\" GRANT SELECT ON TABLES TO " + u);
    assertThat(String.join("\n", first)).doesNotContain(PW);
    assertThat(preparer.prepareSource(spec, source, admin)).as("second run").isEmpty();

    try (Connection c = connector.open(spec.source, spec.source.database, source.user(), PW)) {
      assertThat(Jdbc.isTrue(c, "SELECT has_table_privilege('billing.invoices', 'SELECT')")).isTrue();
      assertThat(Jdbc.isTrue(c, "SELECT has_sequence_privilege('billing.invoices_id_seq', 'SELECT')")).isTrue();
      assertThat(Jdbc.isTrue(c, "SELECT pg_has_role(current_user, 'rds_replication', 'USAGE')")).isTrue();
      assertThat(Jdbc.isTrue(c, "SELECT pg_has_role(current_user, 'rds_superuser', 'MEMBER')")).as("never unasked").isFalse();
      assertThat(Jdbc.isTrue(c, "SELECT pg_get_userbyid(relowner) = ? FROM pg_class WHERE oid = 'public.orders'::regclass", master))
          .as("application objects keep their owner")
          .isTrue();
    }
    // A table created later by the owner is readable through the default privileges.
    asMaster(id + "_src", "CREATE TABLE public.later (id int)");
    try (Connection c = connector.open(spec.source, spec.source.database, source.user(), PW)) {
      assertThat(Jdbc.isTrue(c, "SELECT has_table_privilege('public.later', 'SELECT')")).isTrue();
    }
  }

  @Test
  void aRotatedPasswordIsSetAgainAndRdsSuperuserOnlyOnRequest() throws SQLException {
    preparer.prepareSource(spec, source, admin);
    Login rotated = new Login(source.user(), PW + "-rotated");
    assertThat(preparer.prepareSource(spec, rotated, admin)).containsExactly("reset password of " + source.user() + " to the Secret's");
    connector.open(spec.source, spec.source.database, rotated.user(), rotated.password()).close();

    spec.prepare.source.grantRdsSuperuser = true;
    assertThat(preparer.prepareSource(spec, rotated, admin)).containsExactly("GRANT rds_superuser TO \"" + source.user() + "\"");
  }

  @Test
  void turnedOffActionsAreNotTaken() throws SQLException {
    rds.login(source.user(), PW, "");
    spec.prepare.source.grantReplication = false;
    spec.prepare.source.grantRead = false;
    spec.prepare.source.grantCreateOnDatabase = false;
    assertThat(preparer.prepareSource(spec, source, admin)).isEmpty();
  }

  @Test
  void theTargetLoginGetsCreateDbAndOwnershipOnlyWhenAsked() throws SQLException {
    List<String> done = preparer.prepareTarget(spec, target, admin, true);
    assertThat(done).contains("CREATE ROLE \"" + target.user() + "\" LOGIN", "ALTER ROLE \"" + target.user() + "\" CREATEDB");
    assertThat(done).noneMatch(a -> a.startsWith("ALTER DATABASE"));

    spec.prepare.target.transferOwnership = true;
    rds.execute(id + "_tgt", "CREATE SCHEMA billing AUTHORIZATION " + master);
    assertThat(preparer.prepareTarget(spec, target, admin, true))
        .contains(
            "ALTER DATABASE \"" + id + "_tgt\" OWNER TO \"" + target.user() + "\"",
            "ALTER SCHEMA \"billing\" OWNER TO \"" + target.user() + "\"");
    assertThat(preparer.prepareTarget(spec, target, admin, true)).isEmpty();
    try (Connection c = connector.open(spec.target, spec.target.database, target.user(), PW)) {
      // public belongs to pg_database_owner (PostgreSQL 15+), so the database's owner owns it too.
      assertThat(Jdbc.isTrue(c, "SELECT bool_and(pg_has_role(current_user, nspowner, 'USAGE')) FROM pg_namespace WHERE nspname IN ('public', 'billing')"))
          .isTrue();
    }
  }

  @Test
  void pgstreamsObjectsMoveToTheStreamingLoginAfterAnInitAsAdmin() throws SQLException {
    preparer.prepareSource(spec, source, admin);
    // What `pgstream init` run as the master leaves behind (the parts that change owner).
    asMaster(
        id + "_src",
        "CREATE SCHEMA pgstream",
        "CREATE TABLE pgstream.schema_migrations_core (version bigint, dirty boolean)",
        "CREATE SEQUENCE pgstream.xid_serial");
    List<String> done = preparer.handOverPgstreamObjects(spec.source, source, admin);
    assertThat(done)
        .contains(
            "ALTER SCHEMA pgstream OWNER TO \"" + source.user() + "\"",
            "ALTER TABLE pgstream.schema_migrations_core OWNER TO \"" + source.user() + "\"",
            "ALTER SEQUENCE pgstream.xid_serial OWNER TO \"" + source.user() + "\"");
    assertThat(preparer.handOverPgstreamObjects(spec.source, source, admin)).isEmpty();
  }

  @Test
  void afterPreparationThePreflightPasses() throws SQLException {
    // On vanilla PostgreSQL only a superuser may create event triggers, so the init admin is one here.
    rds.execute("postgres", "ALTER ROLE " + master + " SUPERUSER");
    spec.prepare.source.initAsAdmin = true;
    spec.prepare.target.transferOwnership = true;
    preparer.prepareSource(spec, source, admin);
    preparer.prepareTarget(spec, target, admin, false);
    PreflightReport report =
        new Preflight(connector).run(spec, id + "_slot", new ResolvedCredentials(source, target, admin, admin), false);
    assertThat(report.findings()).isEmpty();
    assertThat(report.passed()).contains("source: event trigger rights for pgstream init (as " + master + ")");
  }

  @Test
  void aFailureNamesTheStatementWithoutThePassword() {
    Login weak = new Login(id + "_weak", PW);
    rds.login(weak.user(), PW, "");
    assertThatThrownBy(() -> preparer.prepareSource(spec, source, weak))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("permission denied")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PW));
  }

  private void asMaster(String database, String... statements) {
    rds.execute(database, prefixed(statements));
  }

  private String[] prefixed(String... statements) {
    String[] out = new String[statements.length + 2];
    out[0] = "SET ROLE " + master;
    System.arraycopy(statements, 0, out, 1, statements.length);
    out[out.length - 1] = "RESET ROLE";
    return out;
  }
}
