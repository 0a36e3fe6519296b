package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestCertificates;
import io.pgstream.operator.support.TestPostgres;
import io.pgstream.operator.tls.CaBundle;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real pgstream {@value io.pgstream.operator.api.PgstreamVersion#SUPPORTED} (pgx, and pg_dump and
 * psql for the schema) run as the pods run it, with the URLs and CA files the operator renders:
 * sslMode verify-full with sslrootcert against both peers, which serve a certificate the test CA
 * issued for localhost.
 */
class VerifiedTlsE2E {
  static final TestCertificates CERTS = TestCertificates.get();
  static final String DB = "tls_e2e";
  static final String SOURCE_ROLE = "tls_e2e_source";
  static final String TARGET_ROLE = "tls_e2e_target";
  static final String PASSWORD = "tls-e2e-pw";
  static final TestPostgres source = Peers.source();
  static final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());

  /** The peers run as the postgres user, which must own the key file. */
  @BeforeAll
  static void serveTls() throws IOException {
    Path dir = Files.createDirectories(Peers.work().resolve("tls"));
    Path cert = Files.copy(CERTS.serverCert(), dir.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING);
    Path key = Files.copy(CERTS.serverKey(), dir.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
    UserPrincipal postgres = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
    Files.setOwner(cert, postgres);
    Files.setOwner(key, postgres);
    for (TestPostgres server : List.of(source, target)) {
      server.execute(
          "postgres",
          "ALTER SYSTEM SET ssl_cert_file = '" + cert + "'",
          "ALTER SYSTEM SET ssl_key_file = '" + key + "'",
          "ALTER SYSTEM SET ssl = on",
          "SELECT pg_reload_conf()");
    }
  }

  @AfterAll
  static void stopServingTls() {
    for (TestPostgres server : List.of(source, target)) {
      server.execute(
          "postgres", "ALTER SYSTEM RESET ssl", "ALTER SYSTEM RESET ssl_cert_file", "ALTER SYSTEM RESET ssl_key_file", "SELECT pg_reload_conf()");
    }
  }

  @AfterEach
  void dropDatabases() {
    source.execute(
        "postgres",
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + ReplicationSlots.slotFor(pipeline("localhost")) + "'",
        "DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
    target.execute("postgres", "DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
  }

  @Test
  void initAFullSnapshotAndStreamingAllVerifyTheServersWithTheBundle() {
    givenDatabases();
    PgstreamPipeline p = pipeline("localhost");
    trust(p, CERTS.caPem());
    Map<String, String> files = PgstreamRunner.onFreeHealthPort(new PgstreamConfigRenderer().render(p).files());
    assertThat(files.get(PgstreamConfigRenderer.SNAPSHOT_FILE)).contains("sslmode=verify-full&sslrootcert=");

    for (Step step : List.of(Step.INIT, Step.SNAPSHOT)) {
      PgstreamRunner.Started run = pgstream.start(PgstreamPods.args(step.command(), step.configFile()), files, env());
      assertThat(run.waitFor()).as(step + ":\n" + run.output()).isZero();
    }
    assertThat(rows()).isEqualTo(2);
    source.execute(DB, "INSERT INTO public.t VALUES (3)");
    PgstreamRunner.Started run =
        pgstream.start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, env());
    try {
      assertThat(Peers.eventually(Duration.ofSeconds(30), () -> rows() == 3)).as("streamed:\n" + run.output()).isTrue();
    } finally {
      run.stop();
    }
  }

  @Test
  void aBundleOfAnotherCaStopsPgstreamBeforeItLogsIn() {
    givenDatabases();
    PgstreamPipeline p = pipeline("localhost");
    trust(p, CERTS.otherCaPem());
    PgstreamRunner.Started run = snapshot(p);
    assertThat(run.waitFor()).isNotZero();
    assertThat(run.output()).contains("tls: failed to verify certificate: x509: certificate signed by unknown authority");
    assertThat(rows()).isEqualTo(-1);
  }

  @Test
  void anAddressTheCertificateDoesNotNameStopsPgstream() {
    givenDatabases();
    PgstreamPipeline p = pipeline("127.0.0.1");
    trust(p, CERTS.caPem());
    PgstreamRunner.Started run = snapshot(p);
    assertThat(run.waitFor()).isNotZero();
    assertThat(run.output()).contains("tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.1");
  }

  private PgstreamRunner.Started snapshot(PgstreamPipeline p) {
    Map<String, String> files = PgstreamRunner.onFreeHealthPort(new PgstreamConfigRenderer().render(p).files());
    return pgstream.start(PgstreamPods.args(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()), files, env());
  }

  private static void givenDatabases() {
    source.login(SOURCE_ROLE, PASSWORD, "SUPERUSER"); // init creates event triggers
    source.database(DB, SOURCE_ROLE, "CREATE TABLE public.t (id int PRIMARY KEY)", "INSERT INTO public.t VALUES (1), (2)");
    target.login(TARGET_ROLE, PASSWORD, "");
    target.database(DB, TARGET_ROLE);
  }

  /** A full snapshot and streaming from the source peer to the target peer through {@code host}. */
  private static PgstreamPipeline pipeline(String host) {
    PgstreamPipeline p = Pipelines.onServers("tls-e2e", source, DB, target, DB);
    p.getSpec().snapshot.mode = SnapshotMode.FULL;
    for (var side : List.of(p.getSpec().source, p.getSpec().target)) {
      side.host = host;
      side.sslMode = null;
    }
    return p;
  }

  /** What the operator's bundle lookup leaves on each side for the renderer. */
  private static void trust(PgstreamPipeline p, String pem) {
    p.getSpec().source.trustedCa = new CaBundle(pem, "test");
    p.getSpec().target.trustedCa = new CaBundle(pem, "test");
  }

  private static Map<String, String> env() {
    return PgstreamRunner.env(new ResolvedCredentials(SOURCE_ROLE, PASSWORD, TARGET_ROLE, PASSWORD));
  }

  private static long rows() {
    try {
      return target.query(DB, "SELECT count(*) FROM public.t");
    } catch (IllegalStateException noTableYet) {
      return -1;
    }
  }
}
