package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.VerificationSpec;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import io.pgstream.operator.verify.TableResult;
import io.pgstream.operator.verify.VerificationReport;
import io.pgstream.operator.verify.Verifier;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The verifier against a pipeline real pgstream runs (init, snapshot, then run, with the config the
 * operator renders): no false alarm while the source keeps taking inserts during the comparison, and a
 * row changed on the target behind pgstream's back is found. Tests run in order on one pipeline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VerifyE2E {
  static final String PASSWORD = "verify-pw-1";
  static final String SOURCE_DB = "verify_app";
  static final String TARGET_DB = "verify_app_target";
  static final int ROWS = 100_000;

  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());
  final ResolvedCredentials logins = new ResolvedCredentials("verify_src", PASSWORD, "verify_tgt", PASSWORD);
  final Verifier verifier = new Verifier(DatabaseConnector.defaults(), Duration.ofMinutes(2), Clock.systemUTC());
  PgstreamPipeline pipeline;
  PgstreamRunner.Started streaming;

  @BeforeAll
  void snapshotThenStream() throws IOException {
    pipeline = Pipelines.onServers("verify-e2e", source, SOURCE_DB, target, TARGET_DB);
    pipeline.getSpec().verification = new VerificationSpec();
    pipeline.getSpec().verification.chunkRows = 10_000;
    String slot = ReplicationSlots.slotFor(pipeline);
    // Leftovers of an earlier run on the same peers: the slot keeps its database, the databases their owners.
    source.execute(
        "postgres",
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'",
        "DROP DATABASE IF EXISTS " + SOURCE_DB + " WITH (FORCE)");
    target.execute("postgres", "DROP DATABASE IF EXISTS " + TARGET_DB + " WITH (FORCE)");
    source.login("verify_src", PASSWORD, "SUPERUSER"); // plays the RDS master, who may create event triggers
    source.database(
        SOURCE_DB,
        "verify_src",
        "CREATE TABLE public.orders (id bigserial PRIMARY KEY, total numeric(12,2), note text, placed timestamptz DEFAULT now())",
        "INSERT INTO public.orders (total, note) SELECT g * 1.25, CASE WHEN g % 5 = 0 THEN NULL ELSE 'order ' || g END"
            + " FROM generate_series(1, " + ROWS + ") g",
        "CREATE TABLE public.notes (body text)",
        "INSERT INTO public.notes VALUES ('a'), (NULL), ('')");
    target.login("verify_tgt", PASSWORD, "");
    target.database(TARGET_DB, "verify_tgt");

    Map<String, String> files = withFreeHealthPort(new PgstreamConfigRenderer().render(pipeline).files());
    Map<String, String> env =
        Map.of(
            CredentialEnv.SOURCE_USER, logins.sourceUser(),
            CredentialEnv.SOURCE_PASSWORD, logins.sourcePassword(),
            CredentialEnv.TARGET_USER, logins.targetUser(),
            CredentialEnv.TARGET_PASSWORD, logins.targetPassword());
    for (Step step : List.of(Step.INIT, Step.SNAPSHOT)) {
      PgstreamRunner.Started run = pgstream.start(PgstreamPods.args(step.command(), step.configFile()), files, env);
      assertThat(run.waitFor()).as(run.output()).isZero();
    }
    assertThat(target.query(TARGET_DB, "SELECT count(*) FROM public.orders")).isEqualTo(ROWS);
    streaming = pgstream.start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, env);
    source.execute(SOURCE_DB, "INSERT INTO public.orders (total) VALUES (0)");
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> target.query(TARGET_DB, "SELECT count(*) FROM public.orders") == ROWS + 1))
        .withFailMessage(() -> "pgstream run did not stream:\n" + streaming.output())
        .isTrue();
  }

  @AfterAll
  void stop() {
    if (streaming != null) {
      streaming.stop();
    }
    source.execute(
        "postgres", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + ReplicationSlots.slotFor(pipeline) + "'");
  }

  @Test
  @Order(1)
  void aTargetThatPgstreamKeepsUpMatchesWhileTheSourceTakesInserts() throws Exception {
    AtomicBoolean inserting = new AtomicBoolean(true);
    AtomicLong inserted = new AtomicLong();
    Thread writer = new Thread(() -> insertUntilStopped(inserting, inserted), "source-writer");
    writer.start();
    VerificationReport report;
    long started = System.nanoTime();
    long insertedBefore;
    try {
      Thread.sleep(500);
      insertedBefore = inserted.get();
      report = verifier.verify(pipeline, logins);
    } finally {
      inserting.set(false);
      writer.join();
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    TableResult orders = table(report, "public.orders");
    System.out.printf(
        "VerifyE2E: %d + %d rows compared in %d ms (%d ranges), %d rows inserted meanwhile%n",
        orders.sourceRows(), table(report, "public.notes").sourceRows(), millis, orders.ranges(), inserted.get() - insertedBefore);

    assertThat(inserted.get()).as("the source took inserts during the verification").isGreaterThan(insertedBefore);
    assertThat(report.mismatched()).as(report.toString() + "\n" + streaming.output()).isEmpty();
    assertThat(orders.sourceRows()).isGreaterThan(ROWS);
    assertThat(table(report, "public.notes").detail()).isEqualTo("no primary key on both sides: compared in one pass");
  }

  @Test
  @Order(2)
  void aRowChangedOnTheTargetBehindPgstreamsBackIsFound() throws Exception {
    target.execute(TARGET_DB, "UPDATE public.orders SET note = 'changed on the target' WHERE id = 4242");

    VerificationReport report = verifier.verify(pipeline, logins);

    assertThat(report.mismatched()).extracting(TableResult::table).containsExactly("public.orders");
    assertThat(table(report, "public.orders").detail())
        .isEqualTo("same row count, checksums differ in 1 of %d key ranges; still after %d re-comparisons", table(report, "public.orders").ranges(), Verifier.RETRIES);
    assertThat(table(report, "public.notes").match()).isTrue();
  }

  /** One row per transaction, as an application writes, until told to stop. */
  private void insertUntilStopped(AtomicBoolean inserting, AtomicLong inserted) {
    try (Connection c = source.connect(SOURCE_DB);
        Statement st = c.createStatement()) {
      while (inserting.get()) {
        st.execute("INSERT INTO public.orders (total, note) VALUES (1, 'during the verification')");
        inserted.incrementAndGet();
        Thread.sleep(5);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** pgstream's health server on a free loopback port, so parallel runs on one machine do not collide. */
  private static Map<String, String> withFreeHealthPort(Map<String, String> files) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (var file : files.entrySet()) {
      out.put(file.getKey(), file.getValue().replace("0.0.0.0:" + PgstreamConfigRenderer.HEALTH_PORT, "127.0.0.1:" + port));
    }
    return out;
  }

  private static TableResult table(VerificationReport report, String name) {
    return report.tables().stream().filter(t -> t.table().equals(name)).findFirst().orElseThrow();
  }
}
