package io.pgstream.operator.prepare;

import io.pgstream.operator.preflight.SlotClaim;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.api.PgstreamPipeline;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Preparation with an emulated RDS master user (CREATEDB CREATEROLE, rds_superuser, not superuser). */
class PreparerTest {
  static final String PW = "Prep:ar3/P@ss 'x'";
  static final String MARK = "managed-by=pgstream-operator namespace=" + Pipelines.NAMESPACE;
  static final AtomicInteger SEQ = new AtomicInteger();

  final TestPostgres rds = TestPostgres.rds();
  final DatabaseConnector connector = DatabaseConnector.defaults();
  final Preparer preparer = new Preparer(connector);
  final String id = "pp" + SEQ.incrementAndGet();
  final String master = id + "_master";
  final Login admin = new Login(master, PW);
  final Login source = new Login(id + "_source", PW);
  final Login target = new Login(id + "_target", PW);
  PgstreamPipeline pipeline;
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
    pipeline = Pipelines.onServers("pp", rds, id + "_src", rds, id + "_tgt");
    spec = pipeline.getSpec();
    spec.tables = List.of("public.*", "billing.*");
    spec.prepare = new PrepareSpec();
    spec.prepare.source = new SourcePrepareSpec();
    spec.prepare.target = new TargetPrepareSpec();
  }

  @Test
  void preparesTheSourceOnceAndThenHasNothingToDo() throws Exception {
    List<String> first = preparer.prepareSource(pipeline, source, admin).changes();
    String u = "\"" + source.user() + "\"";
    assertThat(first)
        .contains(
            "CREATE ROLE " + u + " LOGIN",
            "COMMENT ON ROLE " + u + " IS '" + MARK + "'",
            "set password of " + source.user(),
            "GRANT \"rds_replication\" TO " + u,
            "GRANT CREATE ON DATABASE \"" + id + "_src\" TO " + u,
            "GRANT USAGE ON SCHEMA \"billing\" TO " + u,
            "GRANT SELECT ON ALL TABLES IN SCHEMA \"billing\" TO " + u,
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"" + master + "\" IN SCHEMA \"public\" GRANT SELECT ON TABLES TO " + u);
    assertThat(String.join("\n", first)).doesNotContain(PW);
    assertThat(comment(source.user())).isEqualTo(MARK);
    Preparation second = preparer.prepareSource(pipeline, source, admin);
    assertThat(second.changes()).as("second run").isEmpty();
    assertThat(second.untouched()).isEmpty();

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
  void theOperatorsOwnLoginIsRotatedAndGetsRdsSuperuserOnlyOnRequest() throws Exception {
    preparer.prepareSource(pipeline, source, admin);
    Login rotated = new Login(source.user(), PW + "-rotated");
    assertThat(preparer.prepareSource(pipeline, rotated, admin).changes())
        .containsExactly("set password of " + source.user() + " to the Secret's");
    assertThat(canLogIn(rotated)).isTrue();
    assertThat(canLogIn(source)).as("the old password").isFalse();

    spec.prepare.source.grantRdsSuperuser = true;
    assertThat(preparer.prepareSource(pipeline, rotated, admin).changes()).containsExactly("GRANT \"rds_superuser\" TO \"" + source.user() + "\"");
  }

  @Test
  void anotherPipelineOfTheSameNamespaceManagesTheSharedLogin() throws Exception {
    preparer.prepareSource(pipeline, source, admin);
    PgstreamPipeline sibling = Pipelines.onServers("pp-two", rds, id + "_src", rds, id + "_tgt");
    sibling.getSpec().tables = spec.tables;
    sibling.getSpec().prepare = spec.prepare;
    Login rotated = new Login(source.user(), PW + "-2");
    assertThat(preparer.prepareSource(sibling, rotated, admin).changes()).containsExactly("set password of " + source.user() + " to the Secret's");
  }

  @Test
  void turnedOffActionsAreNotTaken() throws Exception {
    spec.prepare.source.grantReplication = false;
    spec.prepare.source.grantRead = false;
    spec.prepare.source.grantCreateOnDatabase = false;
    assertThat(preparer.prepareSource(pipeline, source, admin).changes()).hasSize(3).allMatch(a -> a.startsWith("CREATE ROLE") || a.startsWith("COMMENT ON ROLE") || a.startsWith("set password"));
    assertThat(preparer.prepareSource(pipeline, source, admin).changes()).isEmpty();
    assertThat(rds.query("postgres", "SELECT count(*) FROM pg_auth_members WHERE member = '" + source.user() + "'::regrole")).isZero();
  }

  @Test
  void aForeignLoginsPasswordIsNeverResetAndTheMismatchIsReported() throws Exception {
    // The review's probe: another application's login, named by a pipeline's Secret with a password of the pipeline's choosing.
    String app = id + "_payments_app";
    asMaster(id + "_src", "CREATE ROLE " + app + " LOGIN PASSWORD 'their-secret'");
    assertThatThrownBy(() -> preparer.prepareSource(pipeline, new Login(app, "attacker-chosen"), admin))
        .isInstanceOfSatisfying(PreparationRefused.class, e -> assertThat(e.reason()).isEqualTo("LoginPasswordMismatch"))
        .hasMessageContaining("source login " + app)
        .hasMessageContaining("does not reset passwords of roles it did not create")
        .hasMessageContaining("Put the role's current password into the Secret")
        .hasMessageContaining("spec.prepare.source.adoptExistingRole: true")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("attacker-chosen"));
    assertThat(canLogIn(new Login(app, "their-secret"))).as("the owner's password still works").isTrue();
    assertThat(canLogIn(new Login(app, "attacker-chosen"))).isFalse();
    assertNothingGrantedTo(app);
  }

  @Test
  void aForeignLoginWithTheRightPasswordIsLeftAloneOnBothSides() throws Exception {
    String app = id + "_reporting";
    rds.login(app, PW, "");
    rds.execute(id + "_tgt", "CREATE SCHEMA billing AUTHORIZATION " + master);
    spec.prepare.target.transferOwnership = true;
    Login foreign = new Login(app, PW);

    Preparation onSource = preparer.prepareSource(pipeline, foreign, admin);
    assertThat(onSource.changes()).isEmpty();
    assertThat(onSource.untouched()).singleElement().asString().contains(app, "was not created by the operator", "adoptExistingRole");
    Preparation onTarget = preparer.prepareTarget(pipeline, foreign, admin, true);
    assertThat(onTarget.changes()).isEmpty();
    assertThat(onTarget.untouched()).singleElement().asString().contains("target login " + app);

    assertNothingGrantedTo(app);
    assertThat(rds.text("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '" + id + "_tgt'")).isEqualTo(master);
    assertThat(rds.text("postgres", "SELECT rolcreatedb::text FROM pg_roles WHERE rolname = '" + app + "'")).isEqualTo("false");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "the admin itself", "SUPERUSER", "rds_superuser", "CREATEROLE", "REPLICATION", "rds_replication", "BYPASSRLS",
        "pg_read_all_data", "pg_write_all_data", "pg_read_server_files", "pg_write_server_files", "pg_execute_server_program",
        "pg_read_all_data through a group"
      })
  void privilegedLoginsAreRefusedEvenWithAdoptionAndNothingIsAltered(String kind) throws SQLException {
    String role = kind.equals("the admin itself") ? master : id + "_priv";
    if (!role.equals(master)) {
      boolean attribute = kind.equals(kind.toUpperCase());
      rds.login(role, "old-secret", attribute ? kind : "");
      if (kind.endsWith("through a group")) {
        // Membership inherited through a group is membership all the same.
        rds.execute("postgres", "CREATE ROLE " + id + "_readers NOLOGIN", "GRANT pg_read_all_data TO " + id + "_readers", "GRANT " + id + "_readers TO " + role);
      } else if (!attribute) {
        rds.execute("postgres", "GRANT " + kind + " TO " + role);
      }
    }
    spec.prepare.source.adoptExistingRole = true;
    spec.prepare.source.grantRdsSuperuser = true;
    assertThatThrownBy(() -> preparer.prepareSource(pipeline, new Login(role, "attacker-chosen"), admin))
        .isInstanceOfSatisfying(PreparationRefused.class, e -> assertThat(e.reason()).isEqualTo("PrivilegedLogin"))
        .hasMessageContaining("source login " + role + " is ")
        .hasMessageContaining("nothing was changed");
    assertThat(canLogIn(new Login(role, role.equals(master) ? PW : "old-secret"))).as("its password is unchanged").isTrue();
    assertThat(comment(role)).isNull();
  }

  @Test
  void anExistingReplicationLoginIsLeftAloneWithoutAdoption() throws Exception {
    // The usual hand-made streaming login: usable as it is, only never adopted.
    String app = id + "_streamer";
    rds.login(app, PW, "REPLICATION");
    Preparation done = preparer.prepareSource(pipeline, new Login(app, PW), admin);
    assertThat(done.changes()).isEmpty();
    assertThat(done.untouched()).singleElement().asString().contains("was not created by the operator");
    assertThat(comment(app)).isNull();
  }

  @Test
  void adoptionMarksAnExistingLoginAndManagesIt() throws Exception {
    // Created by the master (say, by an operator version without marks), so the master may comment on it.
    String app = id + "_legacy";
    asMaster(id + "_src", "CREATE ROLE " + app + " LOGIN PASSWORD 'old-secret'");
    spec.prepare.source.adoptExistingRole = true;
    List<String> done = preparer.prepareSource(pipeline, new Login(app, PW), admin).changes();
    assertThat(done)
        .startsWith("COMMENT ON ROLE \"" + app + "\" IS '" + MARK + "'", "set password of " + app + " to the Secret's")
        .contains("GRANT \"rds_replication\" TO \"" + app + "\"");
    assertThat(comment(app)).isEqualTo(MARK);
    assertThat(canLogIn(new Login(app, PW))).isTrue();

    // Once marked, it is the operator's even without the flag.
    spec.prepare.source.adoptExistingRole = null;
    assertThat(preparer.prepareSource(pipeline, new Login(app, PW + "-2"), admin).changes()).containsExactly("set password of " + app + " to the Secret's");
  }

  @Test
  void aLoginMarkedForAnotherNamespaceIsForeignEvenWithAdoption() throws Exception {
    preparer.prepareSource(pipeline, source, admin);
    PgstreamPipeline other = Pipelines.onServers("pp", rds, id + "_src", rds, id + "_tgt");
    other.getMetadata().setNamespace("team-b");
    other.getSpec().tables = spec.tables;
    other.getSpec().prepare = spec.prepare;
    spec.prepare.source.adoptExistingRole = true;

    assertThatThrownBy(() -> preparer.prepareSource(other, new Login(source.user(), "team-b-guess"), admin))
        .isInstanceOfSatisfying(PreparationRefused.class, e -> assertThat(e.reason()).isEqualTo("LoginPasswordMismatch"))
        .hasMessageContaining("belongs to pipelines of another namespace");
    Preparation shared = preparer.prepareSource(other, source, admin);
    assertThat(shared.changes()).isEmpty();
    assertThat(shared.untouched()).singleElement().asString().contains("another namespace");
    assertThat(comment(source.user())).isEqualTo(MARK);
    assertThat(canLogIn(source)).isTrue();
  }

  @Test
  void namesAreQuotedByTheOneQuotingFunctionAndTheMarkByTheServer() throws Exception {
    Login odd = new Login(id + "_Odd \"login\"", PW);
    pipeline.getMetadata().setNamespace("o'brien");
    assertThat(preparer.prepareSource(pipeline, odd, admin).changes())
        .contains(
            "CREATE ROLE " + Jdbc.ident(odd.user()) + " LOGIN",
            "COMMENT ON ROLE " + Jdbc.ident(odd.user()) + " IS 'managed-by=pgstream-operator namespace=o''brien'");
    assertThat(rds.text("postgres", "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = '" + odd.user().replace("'", "''") + "'"))
        .isEqualTo("managed-by=pgstream-operator namespace=o'brien");
    assertThat(canLogIn(odd)).isTrue();
  }

  @Test
  void theTargetLoginGetsCreateDbAndOwnershipOnlyWhenAsked() throws Exception {
    List<String> done = preparer.prepareTarget(pipeline, target, admin, true).changes();
    assertThat(done).contains("CREATE ROLE \"" + target.user() + "\" LOGIN", "ALTER ROLE \"" + target.user() + "\" CREATEDB");
    assertThat(done).noneMatch(a -> a.startsWith("ALTER DATABASE"));
    assertThat(comment(target.user())).isEqualTo(MARK);

    spec.prepare.target.transferOwnership = true;
    rds.execute(id + "_tgt", "CREATE SCHEMA billing AUTHORIZATION " + master);
    assertThat(preparer.prepareTarget(pipeline, target, admin, true).changes())
        .contains(
            "ALTER DATABASE \"" + id + "_tgt\" OWNER TO \"" + target.user() + "\"",
            "ALTER SCHEMA \"billing\" OWNER TO \"" + target.user() + "\"");
    assertThat(preparer.prepareTarget(pipeline, target, admin, true).changes()).isEmpty();
    try (Connection c = connector.open(spec.target, spec.target.database, target.user(), PW)) {
      // public belongs to pg_database_owner (PostgreSQL 15+), so the database's owner owns it too.
      assertThat(Jdbc.isTrue(c, "SELECT bool_and(pg_has_role(current_user, nspowner, 'USAGE')) FROM pg_namespace WHERE nspname IN ('public', 'billing')"))
          .isTrue();
    }
  }

  @Test
  void pgstreamsObjectsMoveToTheStreamingLoginAfterAnInitAsAdmin() throws Exception {
    preparer.prepareSource(pipeline, source, admin);
    // What `pgstream init` run as the master leaves behind (the parts that change owner).
    createPgstreamObjectsAsMaster();
    List<String> done = preparer.handOverPgstreamObjects(pipeline, source, admin);
    assertThat(done)
        .contains(
            "ALTER SCHEMA \"pgstream\" OWNER TO \"" + source.user() + "\"",
            "ALTER TABLE \"pgstream\".\"schema_migrations_core\" OWNER TO \"" + source.user() + "\"",
            "ALTER SEQUENCE \"pgstream\".\"xid_serial\" OWNER TO \"" + source.user() + "\"");
    assertThat(preparer.handOverPgstreamObjects(pipeline, source, admin)).isEmpty();
  }

  @Test
  void pgstreamsObjectsAreNotGivenToAForeignLogin() throws SQLException {
    String app = id + "_handmade";
    rds.login(app, PW, "");
    createPgstreamObjectsAsMaster();
    assertThatThrownBy(() -> preparer.handOverPgstreamObjects(pipeline, new Login(app, PW), admin))
        .isInstanceOfSatisfying(PreparationRefused.class, e -> assertThat(e.reason()).isEqualTo("RoleNotManaged"))
        .hasMessageContaining("adoptExistingRole");
    assertThat(rds.text(id + "_src", "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'pgstream'")).isEqualTo(master);
    assertThat(rds.query("postgres", "SELECT count(*) FROM pg_auth_members WHERE roleid = '" + app + "'::regrole")).as("no membership for the admin").isZero();
  }

  @Test
  void afterPreparationThePreflightPasses() throws Exception {
    // On vanilla PostgreSQL only a superuser may create event triggers, so the init admin is one here.
    rds.execute("postgres", "ALTER ROLE " + master + " SUPERUSER");
    spec.prepare.source.initAsAdmin = true;
    spec.prepare.target.transferOwnership = true;
    preparer.prepareSource(pipeline, source, admin);
    preparer.prepareTarget(pipeline, target, admin, false);
    PreflightReport report =
        new Preflight(connector).run(spec, id + "_slot", new ResolvedCredentials(source, target, admin, admin), SlotClaim.NONE);
    assertThat(report.findings()).isEmpty();
    assertThat(report.passed()).contains("source: event trigger rights for pgstream init (as " + master + ")");
  }

  @Test
  void aFailureNamesTheStatementWithoutThePassword() {
    Login weak = new Login(id + "_weak", PW);
    rds.login(weak.user(), PW, "");
    assertThatThrownBy(() -> preparer.prepareSource(pipeline, source, weak))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("permission denied")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PW));
    assertThat(rds.query("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = '" + source.user() + "'")).isZero();
  }

  private void assertNothingGrantedTo(String role) throws SQLException {
    try (Connection c = rds.connect(id + "_src")) {
      assertThat(Jdbc.isTrue(c, "SELECT pg_has_role(?, 'rds_replication', 'MEMBER')", role)).as("rds_replication").isFalse();
      assertThat(Jdbc.isTrue(c, "SELECT has_database_privilege(?, current_database(), 'CREATE')", role)).as("CREATE").isFalse();
      assertThat(Jdbc.isTrue(c, "SELECT has_schema_privilege(?, 'billing', 'USAGE')", role)).as("schema usage").isFalse();
      assertThat(Jdbc.isTrue(c, "SELECT has_table_privilege(?, 'public.orders', 'SELECT')", role)).as("SELECT").isFalse();
    }
    assertThat(comment(role)).isNull();
  }

  private boolean canLogIn(Login login) throws SQLException {
    try (Connection c = connector.open(spec.source, spec.source.database, login.user(), login.password())) {
      return true;
    } catch (SQLException e) {
      if ("28P01".equals(e.getSQLState())) {
        return false;
      }
      throw e;
    }
  }

  private String comment(String role) {
    return rds.text("postgres", "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = '" + role + "'");
  }

  private void createPgstreamObjectsAsMaster() {
    asMaster(
        id + "_src",
        "CREATE SCHEMA pgstream",
        "CREATE TABLE pgstream.schema_migrations_core (version bigint, dirty boolean)",
        "CREATE SEQUENCE pgstream.xid_serial");
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
