package io.pgstream.operator.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.VerificationSpec;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.support.ComparedDatabases;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestPostgres;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The verifier against two databases on the embedded PostgreSQL server, as the pipeline's own logins. */
class VerifierTest {
  static final String SOURCE = ComparedDatabases.SOURCE;
  static final String TARGET = ComparedDatabases.TARGET;

  TestPostgres pg;
  final ResolvedCredentials logins =
      new ResolvedCredentials(TestDatabases.SOURCE_USER, Pipelines.SOURCE_PASSWORD, TestDatabases.TARGET_USER, Pipelines.TARGET_PASSWORD);
  final Verifier verifier = new Verifier(DatabaseConnector.defaults(), Duration.ofSeconds(20), Clock.systemUTC());

  @BeforeEach
  void sameRowsOnBothSides() {
    pg = ComparedDatabases.fresh();
  }

  @Test
  void equalTablesMatch() throws Exception {
    VerificationReport report = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), logins);

    assertThat(report.tables()).extracting(TableResult::table).containsExactly("public.lines", "public.log", "public.orders");
    assertThat(report.mismatched()).isEmpty();
    assertThat(result(report, "public.orders").sourceRows()).isEqualTo(2500);
    assertThat(result(report, "public.orders").targetRows()).isEqualTo(2500);
    assertThat(result(report, "public.orders").ranges()).isEqualTo(3);
    assertThat(result(report, "public.log").detail()).isEqualTo("no primary key on both sides: compared in one pass");
    assertThat(report.lsn()).matches("[0-9A-F]+/[0-9A-F]+");
  }

  @Test
  void chunksAddUpToTheChecksumOfOnePass() throws Exception {
    VerificationReport chunked = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), logins);
    VerificationReport whole = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1_000_000), logins);

    for (String table : List.of("public.orders", "public.lines")) {
      assertThat(result(chunked, table).ranges()).as(table).isGreaterThan(1);
      assertThat(result(whole, table).ranges()).as(table).isEqualTo(1);
      assertThat(result(chunked, table).sourceChecksum()).as(table).isEqualTo(result(whole, table).sourceChecksum());
      assertThat(result(chunked, table).targetChecksum()).as(table).isEqualTo(result(whole, table).sourceChecksum());
    }
  }

  @Test
  void aChangedValueIsReportedForItsTable() throws Exception {
    pg.execute(TARGET, "UPDATE public.orders SET total = total + 0.01 WHERE id = 1700");

    VerificationReport report = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), logins);

    assertThat(report.mismatched()).extracting(TableResult::table).containsExactly("public.orders");
    assertThat(result(report, "public.orders").detail()).isEqualTo("same row count, checksums differ in 1 of 3 key ranges");
    assertThat(result(report, "public.orders").detail()).doesNotContain("1700");
  }

  @Test
  void anExtraRowIsReportedWhereverItsKeyFalls() throws Exception {
    pg.execute(TARGET, "INSERT INTO public.lines VALUES (200, 9, 'extra')", "INSERT INTO public.orders (id) VALUES (999999)");

    VerificationReport report = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), logins);

    assertThat(report.mismatched()).extracting(TableResult::table).containsExactly("public.lines", "public.orders");
    assertThat(result(report, "public.lines").targetRows()).isEqualTo(1201);
    assertThat(result(report, "public.lines").detail()).startsWith("row counts differ in 1 of ");
    assertThat(result(report, "public.orders").targetRows())
        .as("a row beyond the source's last key is read too")
        .isEqualTo(2501);
  }

  @Test
  void aMissingRowIsReported() throws Exception {
    pg.execute(TARGET, "DELETE FROM public.orders WHERE id = 10");

    VerificationReport report = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), logins);

    assertThat(report.mismatched()).extracting(TableResult::table).containsExactly("public.orders");
    assertThat(result(report, "public.orders").sourceRows()).isEqualTo(2500);
    assertThat(result(report, "public.orders").targetRows()).isEqualTo(2499);
  }

  @Test
  void nullAndTheEmptyStringDiffer() throws Exception {
    pg.execute(TARGET, "UPDATE public.log SET msg = '' WHERE msg IS NULL");

    VerificationReport report = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), logins);

    assertThat(report.mismatched()).extracting(TableResult::table).containsExactly("public.log");
    assertThat(result(report, "public.log").detail()).startsWith("same row count, checksums differ");
  }

  @Test
  void aTableMissingOnTheTargetAndAColumnOnlyOnTheSourceAreNamed() throws Exception {
    pg.execute(TARGET, "DROP TABLE public.log", "ALTER TABLE public.lines DROP COLUMN sku");

    VerificationReport report = verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), logins);

    assertThat(result(report, "public.log").match()).isFalse();
    assertThat(result(report, "public.log").detail()).isEqualTo("missing on the target");
    assertThat(result(report, "public.lines").match()).as("the target lacks data the source has").isFalse();
    assertThat(result(report, "public.lines").detail()).isEqualTo("columns missing on the target: sku");
  }

  @Test
  void withASlotTheComparisonWaitsUntilPgstreamConfirmedTheSourcePosition() throws Exception {
    PgstreamPipeline p = pipeline(PipelineMode.SNAPSHOT_AND_REPLICATION, 1000);
    String slot = ReplicationSlots.slotFor(p);
    pg.execute(SOURCE, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    // Plays pgstream: confirms the source's position now and then, as it does after writing to the target.
    ScheduledExecutorService confirmer = Executors.newSingleThreadScheduledExecutor();
    try {
      confirmer.scheduleWithFixedDelay(
          () -> pg.execute(SOURCE, "SELECT pg_replication_slot_advance('" + slot + "', pg_current_wal_lsn())"), 1, 1, TimeUnit.SECONDS);
      VerificationReport report = verifier.verify(p, logins);
      assertThat(report.mismatched()).isEmpty();
      assertThat(pg.text(SOURCE, "SELECT confirmed_flush_lsn >= '" + report.lsn() + "' FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))
          .isEqualTo("t");
    } finally {
      confirmer.shutdownNow();
      confirmer.awaitTermination(10, TimeUnit.SECONDS);
      pg.execute(SOURCE, "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }

  @Test
  void aSlotThatDoesNotAdvanceFailsTheVerificationInBoundedTime() {
    PgstreamPipeline p = pipeline(PipelineMode.SNAPSHOT_AND_REPLICATION, 1000);
    String slot = ReplicationSlots.slotFor(p);
    pg.execute(SOURCE, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    pg.execute(SOURCE, "INSERT INTO public.log VALUES ('after the slot')");
    try {
      Verifier impatient = new Verifier(DatabaseConnector.defaults(), Duration.ofSeconds(2), Clock.systemUTC());
      VerificationException e = catchThrowableOfType(VerificationException.class, () -> impatient.verify(p, logins));
      assertThat(e)
          .as(() -> "slot, confirmed, current, active pid: " + pg.text(SOURCE,
              "SELECT string_agg(slot_name || ' ' || confirmed_flush_lsn || ' ' || pg_current_wal_lsn() || ' ' || coalesce(active_pid::text, '-'), '; ') FROM pg_replication_slots"))
          .isNotNull();
      assertThat(e).hasMessageContaining("pgstream did not confirm source LSN").hasMessageContaining("on slot " + slot + " within 2s");
    } finally {
      pg.execute(SOURCE, "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }

  @Test
  void aRefusedLoginFailsWithoutThePassword() {
    ResolvedCredentials wrong =
        new ResolvedCredentials(TestDatabases.SOURCE_USER, Pipelines.SOURCE_PASSWORD, TestDatabases.TARGET_USER, "wr0ng-" + Pipelines.TARGET_PASSWORD);
    assertThatThrownBy(() -> verifier.verify(pipeline(PipelineMode.SNAPSHOT, 1000), wrong))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("Cannot connect to the target 127.0.0.1:" + pg.port() + "/" + TARGET + " as pgstream_target")
        .hasMessageNotContaining(Pipelines.TARGET_PASSWORD);
  }

  private PgstreamPipeline pipeline(PipelineMode mode, int chunkRows) {
    PgstreamPipeline p = Pipelines.onServers("verify", pg, SOURCE, pg, TARGET);
    p.getSpec().mode = mode;
    p.getSpec().verification = new VerificationSpec();
    p.getSpec().verification.chunkRows = chunkRows;
    return p;
  }

  private static TableResult result(VerificationReport report, String table) {
    return report.tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow();
  }
}
