package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.RolesSnapshotMode;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.SlotConsumer;
import io.pgstream.operator.support.TestPostgres;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every check against a real PostgreSQL server, passing and failing, with RDS emulated as pgstream's
 * RDS guide describes (see {@link TestPostgres}).
 */
class PreflightTest {
  static final String PW = "Pre-fl1ght:p@ss/word";
  static final AtomicInteger SEQ = new AtomicInteger();

  final Preflight preflight = new Preflight(DatabaseConnector.defaults());
  final TestPostgres rds = TestPostgres.rds();
  final String id = "pf" + SEQ.incrementAndGet();
  final String src = id + "_src";
  final String tgt = id + "_tgt";
  final String srcUser = id + "_reader";
  final String tgtUser = id + "_writer";
  PreflightReport lastReport;

  @AfterEach
  void noPasswordInAnyFinding() {
    if (lastReport != null) {
      assertThat(lastReport.findings().toString()).doesNotContain(PW).doesNotContain("Pre-fl1ght%3Ap%40ss");
    }
  }

  /** A streaming source user on the emulated RDS server with everything pgstream needs. */
  private void healthyRds(String sourceAttributes) {
    rds.login(srcUser, PW, sourceAttributes);
    rds.login(tgtUser, PW, "");
    rds.database(
        src,
        "postgres",
        "CREATE TABLE public.orders (id int PRIMARY KEY, note text)",
        "CREATE SCHEMA billing",
        "CREATE TABLE billing.invoices (id int PRIMARY KEY)",
        "GRANT USAGE ON SCHEMA billing TO " + srcUser,
        "GRANT SELECT ON ALL TABLES IN SCHEMA public, billing TO " + srcUser,
        "GRANT CREATE ON DATABASE " + src + " TO " + srcUser);
    rds.database(tgt, tgtUser);
  }

  private PgstreamPipelineSpec spec(TestPostgres server, PipelineMode mode) {
    PgstreamPipelineSpec spec = Pipelines.onServers("pf", server, src, server, tgt).getSpec();
    spec.mode = mode;
    spec.tables = List.of("public.*", "billing.invoices");
    return spec;
  }

  private PreflightReport run(PgstreamPipelineSpec spec) {
    return run(spec, new ResolvedCredentials(srcUser, PW, tgtUser, PW));
  }

  private PreflightReport run(PgstreamPipelineSpec spec, ResolvedCredentials creds) {
    lastReport = preflight.run(spec, id + "_slot", creds, SlotClaim.NONE);
    return lastReport;
  }

  private static List<String> codes(PreflightReport r) {
    return r.findings().stream().map(Finding::code).toList();
  }

  private static Finding finding(PreflightReport r, String code) {
    return r.findings().stream().filter(f -> f.code().equals(code)).findFirst().orElseThrow(
        () -> new AssertionError("no " + code + " in " + r.findings()));
  }

  @Test
  void aWellPreparedRdsPipelinePassesEveryCheck() {
    healthyRds("SUPERUSER");
    PreflightReport r = run(spec(rds, PipelineMode.SNAPSHOT_AND_REPLICATION));
    assertThat(r.findings()).isEmpty();
    assertThat(r.passed())
        .contains(
            "source: logical replication enabled",
            "source: event trigger rights for pgstream init (as " + srcUser + ")",
            "source: read access to the snapshot's tables",
            "source: replication privilege",
            "source: WAL retention bounded",
            "target: owns database " + tgt,
            "target: may write schema public");
  }

  @Test
  void anOrdinaryRdsUserGetsEveryFixFromTheRdsGuide() {
    healthyRds("");
    PreflightReport r = run(spec(rds, PipelineMode.REPLICATION));
    assertThat(codes(r)).containsExactlyInAnyOrder("MissingReplicationPrivilege", "CannotCreateEventTrigger");
    assertThat(finding(r, "MissingReplicationPrivilege").fix()).isEqualTo("GRANT rds_replication TO \"" + srcUser + "\"; (as the master user)");
    assertThat(finding(r, "CannotCreateEventTrigger").cause()).contains("must be superuser to create event triggers");
    assertThat(finding(r, "CannotCreateEventTrigger").fix()).contains("master (postgres) user", "GRANT rds_superuser TO");
    assertThat(r.ok(Side.TARGET)).isTrue();
  }

  @Test
  void rdsReplicationMembershipCountsAsReplicationPrivilege() {
    healthyRds("");
    rds.execute("postgres", "GRANT rds_replication TO " + srcUser);
    assertThat(codes(run(spec(rds, PipelineMode.REPLICATION)))).doesNotContain("MissingReplicationPrivilege");
  }

  @Test
  void rdsLogicalReplicationOffSaysToUseTheParameterGroup() {
    healthyRds("SUPERUSER");
    rds.execute("postgres", "ALTER DATABASE " + src + " SET rds.logical_replication = off");
    Finding f = finding(run(spec(rds, PipelineMode.REPLICATION)), "RdsLogicalReplicationOff");
    assertThat(f.cause()).contains("rds.logical_replication is off");
    assertThat(f.fix()).contains("cannot set parameter \"rds.logical_replication\"", "parameter group", "reboot");
  }

  @Test
  void aPlainServerWithoutLogicalWalOrCapacityIsRejectedWithVanillaFixes() {
    TestPostgres vanilla = TestPostgres.vanilla();
    vanilla.login(srcUser, PW, "");
    vanilla.login(tgtUser, PW, "");
    vanilla.database(src, "postgres", "CREATE TABLE public.orders (id int PRIMARY KEY)");
    vanilla.database(tgt, tgtUser);
    vanilla.execute(src, "SELECT pg_create_physical_replication_slot('" + id + "_a')", "SELECT pg_create_physical_replication_slot('" + id + "_b')");
    try {
      PgstreamPipelineSpec spec = spec(vanilla, PipelineMode.REPLICATION);
      spec.tables = null;
      PreflightReport r = run(spec);
      assertThat(codes(r))
          .contains(
              "WalLevelNotLogical",
              "NoFreeReplicationSlot",
              "NoFreeWalSender",
              "MissingReplicationPrivilege",
              "CannotCreateEventTrigger",
              "CannotCreateSchema",
              "SlotWalUnbounded");
      assertThat(finding(r, "WalLevelNotLogical").fix()).isEqualTo("ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL.");
      assertThat(finding(r, "MissingReplicationPrivilege").fix()).contains("ALTER ROLE \"" + srcUser + "\" REPLICATION;");
      assertThat(finding(r, "CannotCreateSchema").fix()).isEqualTo("GRANT CREATE ON DATABASE \"" + src + "\" TO \"" + srcUser + "\";");
      assertThat(finding(r, "SlotWalUnbounded").severity()).isEqualTo(Severity.WARNING);
    } finally {
      vanilla.execute(src, "SELECT pg_drop_replication_slot('" + id + "_a')", "SELECT pg_drop_replication_slot('" + id + "_b')");
    }
  }

  @Test
  void aReaderEndpointIsRejectedForSnapshotsAndInit() {
    TestPostgres replica = TestPostgres.replica();
    healthyRds("");
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    spec.source.port = replica.port();
    spec.source.database = "postgres";
    Finding f = finding(run(spec, new ResolvedCredentials("postgres", PW, tgtUser, PW)), "ReaderEndpoint");
    assertThat(f.cause()).contains("read replica");
    assertThat(f.fix()).contains("writer endpoint");
  }

  @Test
  void aSlotOfAnotherDatabaseOrPluginIsNotTakenOver() {
    healthyRds("SUPERUSER");
    String slot = id + "_slot";
    rds.database(id + "_other", "postgres");
    rds.execute(id + "_other", "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    try {
      assertThat(finding(run(spec(rds, PipelineMode.REPLICATION)), "SlotOtherDatabase").cause())
          .contains("belongs to database " + id + "_other");
    } finally {
      rds.execute(id + "_other", "SELECT pg_drop_replication_slot('" + slot + "')");
    }
    rds.execute(src, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    try {
      assertThat(finding(run(spec(rds, PipelineMode.REPLICATION)), "SlotWrongPlugin").cause()).contains("plugin test_decoding");
    } finally {
      rds.execute(src, "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }

  @Test
  void aSlotStreamedByAnotherConsumerIsReportedWithItsPid() throws Exception {
    healthyRds("SUPERUSER");
    String slot = id + "_slot";
    rds.execute(src, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    try (SlotConsumer consumer = new SlotConsumer(rds, src, slot, "another-consumer")) {
      Finding f = finding(run(spec(rds, PipelineMode.REPLICATION)), "SlotInUse");
      assertThat(f.cause()).contains("is in use by PID");
      assertThat(f.fix()).contains("stop that consumer");
      assertThat(preflight.run(spec(rds, PipelineMode.REPLICATION), slot, new ResolvedCredentials(srcUser, PW, tgtUser, PW), SlotClaim.OWN).findings())
          .as("a slot the pipeline's own init created may be held by its own consumer")
          .isEmpty();
    } finally {
      rds.execute(src, "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }

  @Test
  void snapshotAccessProblemsNameTheSchemaAndTablesAndTheGrant() {
    healthyRds("");
    rds.execute(
        src,
        "REVOKE USAGE ON SCHEMA billing FROM " + srcUser,
        "CREATE TABLE public.secrets (id int)",
        "REVOKE SELECT ON public.secrets FROM " + srcUser);
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    spec.tables = List.of("public.*", "billing.invoices", "ghost.things");
    PreflightReport r = run(spec);
    assertThat(finding(r, "SchemaUsageDenied").cause()).isEqualTo("permission denied for schema billing (role " + srcUser + ").");
    assertThat(finding(r, "SchemaUsageDenied").fix()).isEqualTo("GRANT USAGE ON SCHEMA \"billing\" TO \"" + srcUser + "\";");
    assertThat(finding(r, "SchemaMissing").cause()).contains("ghost");
    Finding denied = finding(r, "TableReadDenied");
    assertThat(denied.cause()).startsWith("permission denied for table").contains("billing.invoices", "secrets").doesNotContain("orders");
    assertThat(denied.fix()).contains("GRANT SELECT ON ALL TABLES IN SCHEMA \"public\" TO \"" + srcUser + "\";");
  }

  /**
   * Fix texts name schemas read from pg_namespace (spec.tables with wildcards), and an admin pastes them
   * as a superuser: a hostile schema name must come out as one quoted identifier, so that running the
   * fix grants on exactly that schema and runs nothing else. (The target's schema fixes name schemas
   * from spec.tables, which validation limits to plain characters.)
   */
  @Test
  void aHostileSchemaNameFromTheCatalogIsQuotedInTheFix() {
    String hostile = "x\"; DROP TABLE orders; --";
    healthyRds("");
    rds.execute(
        src,
        "CREATE SCHEMA " + Jdbc.ident(hostile),
        "CREATE TABLE " + Jdbc.ident(hostile) + ".rows (id int PRIMARY KEY)",
        "GRANT USAGE ON SCHEMA " + Jdbc.ident(hostile) + " TO " + srcUser);
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    spec.tables = List.of("*.*");
    String fix = finding(run(spec), "TableReadDenied").fix();
    assertThat(fix)
        .isEqualTo(
            "GRANT SELECT ON ALL TABLES IN SCHEMA %1$s TO \"%2$s\"; GRANT SELECT ON ALL SEQUENCES IN SCHEMA %1$s TO \"%2$s\";"
                .formatted("\"x\"\"; DROP TABLE orders; --\"", srcUser));
    rds.execute(src, fix);
    assertThat(rds.query(src, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'orders'"))
        .as("the fix dropped nothing")
        .isEqualTo(1);
    assertThat(rds.text(src, "SELECT has_table_privilege('" + srcUser + "', '" + (Jdbc.ident(hostile) + ".rows").replace("'", "''") + "', 'SELECT')"))
        .isEqualTo("t");
  }

  @Test
  void tablesThatMatchNothingAreAWarning() {
    healthyRds("SUPERUSER");
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    spec.tables = List.of("public.nothing_like_this*");
    PreflightReport r = run(spec);
    assertThat(finding(r, "NoTablesMatch").severity()).isEqualTo(Severity.WARNING);
    assertThat(r.ok()).isTrue();
  }

  @Test
  void copyingRolePasswordsFromRdsIsRefusedWithThePgAuthidFix() {
    healthyRds("SUPERUSER");
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    spec.snapshot.schema = new SchemaSnapshotSpec();
    spec.snapshot.schema.rolesSnapshotMode = RolesSnapshotMode.ENABLED;
    Finding f = finding(run(spec), "RolesSnapshotNeedsPgAuthid");
    assertThat(f.cause()).contains("permission denied for table pg_authid");
    assertThat(f.fix()).contains("disabled or no_passwords");
  }

  @Test
  void targetPrivilegesForSchemaSnapshotsRolesAndNewDatabases() {
    healthyRds("SUPERUSER");
    rds.execute("postgres", "ALTER DATABASE " + tgt + " OWNER TO postgres");
    rds.execute(tgt, "ALTER SCHEMA public OWNER TO postgres", "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    spec.tables = List.of("public.*");
    spec.snapshot.schema = new SchemaSnapshotSpec();
    spec.snapshot.schema.rolesSnapshotMode = RolesSnapshotMode.NO_PASSWORDS;
    PreflightReport r = run(spec);
    assertThat(codes(r)).containsExactlyInAnyOrder("TargetDatabaseNotOwned", "TargetSchemaDenied", "MissingCreateRole");
    assertThat(finding(r, "TargetDatabaseNotOwned").fix()).isEqualTo("ALTER DATABASE \"" + tgt + "\" OWNER TO \"" + tgtUser + "\";");
    assertThat(finding(r, "TargetSchemaDenied").cause()).startsWith("permission denied for schema public");
    assertThat(finding(r, "MissingCreateRole").cause()).contains("role creation fails");

    spec.target.database = id + "_new";
    spec.snapshot.schema.rolesSnapshotMode = RolesSnapshotMode.DISABLED;
    spec.snapshot.schema.createTargetDb = true;
    assertThat(finding(run(spec), "MissingCreateDb").fix()).isEqualTo("ALTER ROLE \"" + tgtUser + "\" CREATEDB;");
    rds.execute("postgres", "ALTER ROLE " + tgtUser + " CREATEDB");
    assertThat(run(spec).findings()).isEmpty();
  }

  @Test
  void disableTriggersNeedsSessionReplicationRole() {
    healthyRds("SUPERUSER");
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    spec.target.disableTriggers = true;
    Finding f = finding(run(spec), "CannotSetSessionReplicationRole");
    assertThat(f.cause()).contains("permission denied to set parameter \"session_replication_role\"");
    assertThat(f.fix()).startsWith("Set spec.target.disableTriggers: false");

    rds.execute("postgres", "GRANT rds_superuser TO " + tgtUser);
    assertThat(codes(run(spec))).doesNotContain("CannotSetSessionReplicationRole");
    spec.target.disableTriggers = false;
    rds.execute("postgres", "REVOKE rds_superuser FROM " + tgtUser);
    assertThat(codes(run(spec))).doesNotContain("CannotSetSessionReplicationRole");
  }

  @Test
  void connectionProblemsAreNamedWithoutThePassword() {
    healthyRds("SUPERUSER");
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    PreflightReport wrong = run(spec, new ResolvedCredentials(srcUser, PW + "x", tgtUser, PW));
    assertThat(finding(wrong, "SourceAuthenticationFailed").cause()).contains("password authentication failed");

    spec.target.database = id + "_absent";
    assertThat(finding(run(spec), "TargetDatabaseMissing").fix()).contains("createTargetDb: true");

    spec.source.port = 1;
    assertThat(finding(run(spec), "SourceUnreachable").cause()).contains("127.0.0.1:1/");
  }

  @Test
  void aSnapshotNeedingMoreConnectionsThanTheLoginMayOpenIsWarnedOfWithTheWorkersToLower() {
    healthyRds("REPLICATION CONNECTION LIMIT 6");
    PgstreamPipelineSpec spec = spec(rds, PipelineMode.SNAPSHOT);
    Finding f = finding(run(spec), "SnapshotConnectionsUnavailable");
    assertThat(f.severity()).as("a streaming pipeline does not stop for it").isEqualTo(Severity.WARNING);
    assertThat(f.cause())
        .contains("up to 9 source connections", "workers 1 x (1 + schemaWorkers 4 x tableWorkers 2)")
        .contains("CONNECTION LIMIT 6 with 0 in use");
    assertThat(f.fix()).contains("spec.snapshot.schemaWorkers or tableWorkers");

    spec.snapshot = new SnapshotSpec();
    spec.snapshot.schemaWorkers = 1;
    spec.snapshot.tableWorkers = 4;
    PreflightReport fits = run(spec);
    assertThat(codes(fits)).doesNotContain("SnapshotConnectionsUnavailable");
    assertThat(fits.passed()).contains("source: connections free for the snapshot");
  }
}
