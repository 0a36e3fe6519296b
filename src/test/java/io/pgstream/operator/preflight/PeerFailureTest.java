package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.JunkPeer;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import io.pgstream.operator.tls.TlsVerificationFailed;
import java.io.FileNotFoundException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.cert.CertificateException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * The operator dials what a pipeline names: what it reports back must not describe peers that are
 * not PostgreSQL servers, while a real server's answer still reaches the user.
 */
class PeerFailureTest {
  static final String PW = "peer-P@ss:1";
  final Preflight preflight = new Preflight(DatabaseConnector.defaults());
  final JunkPeer junk = new JunkPeer();
  final ResolvedCredentials creds = new ResolvedCredentials("u", PW, "v", PW);

  @AfterEach
  void close() throws Exception {
    junk.close();
  }

  @Test
  void aPeerAnsweringHttpIsReportedGenericallyWithOrWithoutTls() {
    for (SslMode mode : List.of(SslMode.DISABLE, SslMode.REQUIRE, SslMode.PREFER)) {
      PgstreamPipelineSpec spec = onPort(junk.port(), mode);

      Finding source = sourceFinding(spec);

      assertThat(source.code()).as(mode.name()).isEqualTo("SourceUnreachable");
      assertThat(source.cause())
          .as(mode.name())
          .isEqualTo("Cannot connect to 127.0.0.1:%d/app: the peer at 127.0.0.1:%d did not answer as a PostgreSQL server"
              .formatted(junk.port(), junk.port()));
      assertThat(source.describe()).doesNotContain("HTTP").doesNotContain(JunkPeer.BANNER);
    }
    assertThat(junk.connections()).as("the peer was dialled").isPositive();
  }

  @Test
  void aClosedPortKeepsAShortFixedWording() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }

    Finding source = sourceFinding(onPort(closed, SslMode.DISABLE));

    assertThat(source.cause())
        .isEqualTo("Cannot connect to 127.0.0.1:%d/app: the connection to 127.0.0.1:%d was refused".formatted(closed, closed));
  }

  @Test
  void aRealServersAnswerStillReachesTheUser() {
    TestPostgres pg = TestPostgres.rds();
    PgstreamPipelineSpec spec = onPort(pg.port(), SslMode.DISABLE);
    spec.source.database = "postgres";

    Finding source = sourceFinding(spec);

    assertThat(source.code()).isEqualTo("SourceAuthenticationFailed");
    assertThat(source.cause()).contains("password authentication failed for user \"u\"");
  }

  @Test
  void aMissingLocalRootCertificateKeepsItsTextAndAnUntrustedCertificateIsToldWithTheBundle() {
    PSQLException missing = new PSQLException(
        "Could not open SSL root certificate file /etc/pgstream/ca/ca.crt.", PSQLState.CONNECTION_FAILURE,
        new FileNotFoundException("/etc/pgstream/ca/ca.crt"));
    PSQLException handshake = new PSQLException(
        "SSL error: PKIX path building failed", PSQLState.CONNECTION_FAILURE,
        (Throwable) new SSLHandshakeException("PKIX").initCause(new CertificateException("unable to find valid certification path")));

    assertThat((Throwable) PeerFailure.told("db:5432", missing)).isSameAs(missing);
    ConnectionSpec db = onPort(5432, SslMode.VERIFY_FULL).source;
    db.host = "db";
    assertThatThrownBy(() -> PeerFailure.open(db, () -> { throw handshake; }))
        .isInstanceOfSatisfying(TlsVerificationFailed.class, t -> assertThat(t.kind()).isEqualTo(TlsVerificationFailed.Kind.UNTRUSTED))
        .hasMessageStartingWith("The server certificate of db:5432 is not signed by a CA in the JVM's default trust store")
        .hasNoCause();
  }

  private Finding sourceFinding(PgstreamPipelineSpec spec) {
    PreflightReport report = preflight.run(spec, "slot", creds, SlotClaim.NONE);
    assertThat(report.findings().toString()).doesNotContain(PW);
    return report.findings().stream().filter(f -> f.side() == Side.SOURCE).findFirst().orElseThrow();
  }

  private static PgstreamPipelineSpec onPort(int port, SslMode mode) {
    PgstreamPipelineSpec spec = Pipelines.snapshotAndReplication("peer").getSpec();
    spec.source.host = "127.0.0.1";
    spec.source.port = port;
    spec.source.sslMode = mode;
    spec.target.host = "127.0.0.1";
    spec.target.port = port;
    spec.target.sslMode = mode;
    return spec;
  }
}
