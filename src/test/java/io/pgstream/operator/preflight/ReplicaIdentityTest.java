package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.AcknowledgedRisk;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tables whose updates and deletes pgstream cannot apply, and accepting that with spec.acknowledge. */
class ReplicaIdentityTest {
  static final String PW = "R3plica-identity";
  static final AtomicInteger SEQ = new AtomicInteger();

  final Preflight preflight = new Preflight(DatabaseConnector.defaults());
  final TestPostgres rds = TestPostgres.rds();
  final String id = "ri" + SEQ.incrementAndGet();
  final String src = id + "_src";
  final String tgt = id + "_tgt";
  final String srcUser = id + "_reader";
  final String tgtUser = id + "_writer";

  @BeforeEach
  void databases() {
    rds.login(srcUser, PW, "SUPERUSER");
    rds.login(tgtUser, PW, "");
    rds.database(
        src,
        "postgres",
        "CREATE TABLE public.orders (id int PRIMARY KEY, note text)",
        "CREATE TABLE public.\"Audit Log\" (at timestamptz, what text)",
        "CREATE TABLE public.muted (id int PRIMARY KEY)",
        "ALTER TABLE public.muted REPLICA IDENTITY NOTHING",
        "CREATE TABLE public.docs (id int, body json)",
        "ALTER TABLE public.docs REPLICA IDENTITY FULL",
        "CREATE TABLE public.keyed (code text NOT NULL, label text)",
        "CREATE UNIQUE INDEX keyed_code ON public.keyed (code)",
        "ALTER TABLE public.keyed REPLICA IDENTITY USING INDEX keyed_code",
        "CREATE TABLE public.wide (a int, b text, c bigint)",
        "ALTER TABLE public.wide REPLICA IDENTITY FULL",
        // A parent's REPLICA IDENTITY does not reach its partitions, and the WAL names the partition.
        "CREATE TABLE public.events (at date, what text) PARTITION BY RANGE (at)",
        "ALTER TABLE public.events REPLICA IDENTITY FULL",
        "CREATE TABLE public.\"Events 2026\" PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "CREATE SCHEMA other",
        "CREATE TABLE other.unselected (x int)");
    rds.database(tgt, tgtUser);
  }

  private PgstreamPipelineSpec spec(PipelineMode mode) {
    PgstreamPipelineSpec spec = Pipelines.onServers("ri", rds, src, rds, tgt).getSpec();
    spec.mode = mode;
    spec.tables = List.of("public.*");
    return spec;
  }

  private PreflightReport run(PgstreamPipelineSpec spec) {
    return preflight.run(spec, id + "_slot", new ResolvedCredentials(srcUser, PW, tgtUser, PW), SlotClaim.NONE);
  }

  private static Finding identity(PreflightReport r) {
    return r.findings().stream()
        .filter(f -> f.code().equals("TablesWithoutReplicaIdentity"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no TablesWithoutReplicaIdentity in " + r.findings()));
  }

  @Test
  void eachTableWithoutAUsableIdentityIsNamedWithItsFix() {
    PreflightReport r = run(spec(PipelineMode.REPLICATION));
    Finding f = identity(r);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.side()).isEqualTo(Side.SOURCE);
    assertThat(f.cause())
        .contains(
            "\"public\".\"Audit Log\" (no primary key, REPLICA IDENTITY DEFAULT)",
            "\"public\".\"muted\" (REPLICA IDENTITY NOTHING)",
            "\"public\".\"docs\" (REPLICA IDENTITY FULL, but no = operator for json)",
            "\"public\".\"Events 2026\" (no primary key, REPLICA IDENTITY DEFAULT)")
        .doesNotContain("orders", "keyed", "wide", "\"events\"", "unselected");
    assertThat(f.fix())
        .contains(
            "ALTER TABLE \"public\".\"Audit Log\" REPLICA IDENTITY FULL;",
            "ALTER TABLE \"public\".\"muted\" REPLICA IDENTITY FULL;",
            "ALTER TABLE \"public\".\"Events 2026\" REPLICA IDENTITY FULL;",
            "add a primary key to \"public\".\"docs\" (FULL cannot match columns of type json);",
            "spec.acknowledge: [TablesWithoutReplicaIdentity]");
    assertThat(r.ok(Side.SOURCE)).isFalse();
  }

  @Test
  void theFixesMakeTheCheckPass() {
    rds.execute(
        src,
        "ALTER TABLE public.\"Audit Log\" REPLICA IDENTITY FULL",
        "ALTER TABLE public.muted REPLICA IDENTITY DEFAULT",
        "ALTER TABLE public.docs ADD PRIMARY KEY (id)",
        "ALTER TABLE public.docs REPLICA IDENTITY DEFAULT",
        "ALTER TABLE public.\"Events 2026\" REPLICA IDENTITY FULL");
    PreflightReport r = run(spec(PipelineMode.REPLICATION));
    assertThat(r.findings()).isEmpty();
    assertThat(r.passed()).contains("source: updates and deletes of the selected tables can be applied");
  }

  @Test
  void withoutSpecTablesEveryTableIsStreamedAndChecked() {
    PgstreamPipelineSpec spec = spec(PipelineMode.REPLICATION);
    spec.tables = null;
    assertThat(identity(run(spec)).cause()).contains("\"other\".\"unselected\"", "\"public\".\"Audit Log\"");
  }

  @Test
  void excludedTablesAreNotStreamedSoNotChecked() {
    PgstreamPipelineSpec spec = spec(PipelineMode.REPLICATION);
    spec.tables = null;
    spec.excludedTables = List.of("other.unselected");
    assertThat(identity(run(spec)).cause()).contains("\"public\".\"Audit Log\"").doesNotContain("unselected");
  }

  @Test
  void aSnapshotAloneCopiesEveryRowAndIsNotChecked() {
    assertThat(run(spec(PipelineMode.SNAPSHOT)).findings()).isEmpty();
  }

  @Test
  void anAcknowledgedRiskIsAWarningAndThePipelinePasses() {
    PgstreamPipelineSpec spec = spec(PipelineMode.SNAPSHOT_AND_REPLICATION);
    spec.acknowledge = List.of(AcknowledgedRisk.TablesWithoutReplicaIdentity);
    PreflightReport r = run(spec);
    Finding f = identity(r);
    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.cause()).contains("\"public\".\"Audit Log\"").endsWith("Acknowledged in spec.acknowledge, so the pipeline runs anyway.");
    assertThat(r.ok()).isTrue();
    assertThat(r.warnings(Side.SOURCE)).contains(f);
  }

  @Test
  void acknowledgingAnotherRiskLeavesThisOneBlocking() {
    PgstreamPipelineSpec spec = spec(PipelineMode.REPLICATION);
    spec.acknowledge = List.of(AcknowledgedRisk.InexactTypes);
    assertThat(identity(run(spec)).severity()).isEqualTo(Severity.ERROR);
  }

  @Test
  void anyErrorWhoseCodeIsAnAcknowledgedRiskIsDowngradedAndOthersAreNot() {
    Checklist list = new Checklist(List.of(AcknowledgedRisk.InexactTypes, AcknowledgedRisk.TablesWithoutReplicaIdentity));
    list.fail(Finding.error(Side.SOURCE, "InexactTypes", "money is copied as text.", "Change the type."));
    list.fail(Finding.error(Side.TARGET, "RolesNotRestorable", "role x.", "Grant it."));
    list.fail(Finding.warning(Side.SOURCE, "TablesWithoutReplicaIdentity", "already a warning.", "-"));
    PreflightReport r = list.report();
    assertThat(r.findings())
        .extracting(Finding::code, Finding::severity)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("InexactTypes", Severity.WARNING),
            org.assertj.core.groups.Tuple.tuple("RolesNotRestorable", Severity.ERROR),
            org.assertj.core.groups.Tuple.tuple("TablesWithoutReplicaIdentity", Severity.WARNING));
    assertThat(r.findings().get(0).cause()).isEqualTo("money is copied as text. Acknowledged in spec.acknowledge, so the pipeline runs anyway.");
    assertThat(r.findings().get(2).cause()).isEqualTo("already a warning.");
    assertThat(r.ok(Side.SOURCE)).isTrue();
    assertThat(r.ok(Side.TARGET)).isFalse();
  }
}
