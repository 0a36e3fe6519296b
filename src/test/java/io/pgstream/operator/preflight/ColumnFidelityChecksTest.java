package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.AcknowledgedRisk;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The column types TypeFidelityE2E found inexact, found by catalog query on a real server. */
class ColumnFidelityChecksTest {
  static final String DB = "fidelity_src";
  static final TestPostgres PG = TestPostgres.rds();

  @BeforeAll
  static void tables() {
    PG.database(
        DB,
        "postgres",
        "CREATE DOMAIN public.amount AS numeric",
        "CREATE TYPE public.pair AS (a int, b text)",
        "CREATE SCHEMA \"Shop\"",
        "CREATE TABLE \"Shop\".\"Line Items\" (id int PRIMARY KEY, \"Unit Price\" numeric(12,2), ratio float8, blob bytea,"
            + " tags text[], spans numrange, ids int4range, at timetz, p public.pair,"
            // measured exact: a domain over numeric and an array of numeric go through wal2json as strings
            + " wrapped public.amount, prices numeric[])",
        "CREATE TABLE \"Shop\".clean (id int PRIMARY KEY, note text, at timestamptz, doc jsonb, ids int8range)");
  }

  private static PgstreamPipelineSpec spec(PipelineMode mode, String... tables) {
    PgstreamPipelineSpec spec = Pipelines.onServers("fidelity", PG, DB, PG, DB).getSpec();
    spec.mode = mode;
    spec.tables = List.of(tables);
    return spec;
  }

  private static List<Finding> check(PgstreamPipelineSpec spec) throws Exception {
    try (Connection c = PG.connect(DB)) {
      return ColumnFidelityChecks.check(c, spec);
    }
  }

  @Test
  void everyInexactColumnIsNamedWithItsTypeAndWhatHappens() throws Exception {
    List<Finding> findings = check(spec(PipelineMode.SNAPSHOT_AND_REPLICATION, "Shop.*"));

    assertThat(findings).extracting(Finding::code).containsOnly(AcknowledgedRisk.InexactTypes.name());
    assertThat(findings).extracting(Finding::side).containsOnly(Side.SOURCE);
    assertThat(findings).extracting(Finding::cause)
        .containsExactly(
            "\"Shop\".\"Line Items\".\"Unit Price\" (numeric(12,2)): pgstream does not carry these values exactly; streamed values"
                + " pass through a float64: digits past the 15th-17th are lost, NaN and Infinity become NULL, trailing zeros of the scale are dropped.",
            "\"Shop\".\"Line Items\".ratio (double precision): pgstream does not carry these values exactly; streamed NaN, Infinity"
                + " and -Infinity become NULL and -0 becomes 0.",
            "\"Shop\".\"Line Items\".blob (bytea): pgstream does not carry these values exactly; streamed values arrive as the"
                + " bytes of their hex text (\\x00ff becomes \\x30306666).",
            "\"Shop\".\"Line Items\".tags (text[]), \"Shop\".\"Line Items\".prices (numeric[]): pgstream does not carry these values"
                + " exactly; the snapshot flattens multi-dimensional values and drops lower bounds other than 1.",
            "\"Shop\".\"Line Items\".spans (numrange): pgstream does not carry these values exactly; the snapshot cannot encode the"
                + " values (numrange, daterange and tsrange always, tstzrange with an infinite bound): with bulk ingest it retries"
                + " forever, row by row it stops.",
            "\"Shop\".\"Line Items\".at (time with time zone), \"Shop\".\"Line Items\".p (pair): pgstream does not carry these"
                + " values exactly; the bulk-ingest snapshot (COPY) cannot write the values and retries forever.");
    assertThat(findings.get(0).fix()).isEqualTo("Change the column type, exclude the table, or accept it with spec.acknowledge: [InexactTypes].");
    assertThat(findings.get(5).fix()).startsWith("Set spec.snapshot.bulkIngest: false");
  }

  @Test
  void aTableWithoutSuchColumnsHasNoFinding() throws Exception {
    assertThat(check(spec(PipelineMode.SNAPSHOT_AND_REPLICATION, "Shop.clean"))).isEmpty();
  }

  @Test
  void withoutTablesEveryTableIsStreamedAndCheckedButExcludedOnesAreNot() throws Exception {
    PgstreamPipelineSpec all = spec(PipelineMode.REPLICATION);
    assertThat(check(all)).extracting(Finding::cause).anySatisfy(c -> assertThat(c).contains("\"Line Items\""));
    all.excludedTables = List.of("Shop.*");
    assertThat(check(all)).extracting(Finding::cause).noneSatisfy(c -> assertThat(c).contains("\"Shop\""));
  }

  @Test
  void onlyTheLossesOfThePathsThePipelineUsesAreReported() throws Exception {
    assertThat(check(spec(PipelineMode.REPLICATION, "Shop.*"))).extracting(Finding::cause)
        .allMatch(cause -> cause.contains("; streamed "))
        .hasSize(3);

    PgstreamPipelineSpec rowByRow = spec(PipelineMode.SNAPSHOT, "Shop.*");
    rowByRow.snapshot.bulkIngest = false;
    assertThat(check(rowByRow)).extracting(Finding::cause)
        .hasSize(2)
        .noneMatch(cause -> cause.contains("; streamed ") || cause.contains("bulk-ingest"));
  }

  @Test
  void thePreflightReportsIt() {
    ResolvedCredentials superuser = new ResolvedCredentials("postgres", "", "postgres", "");
    Preflight preflight = new Preflight(DatabaseConnector.defaults());
    assertThat(preflight.run(spec(PipelineMode.SNAPSHOT_AND_REPLICATION, "Shop.*"), "fidelity_slot", superuser, SlotClaim.NONE).findings())
        .extracting(Finding::code)
        .contains("InexactTypes");
    assertThat(preflight.run(spec(PipelineMode.SNAPSHOT_AND_REPLICATION, "Shop.clean"), "fidelity_slot", superuser, SlotClaim.NONE).findings())
        .extracting(Finding::code)
        .doesNotContain("InexactTypes");
  }
}
