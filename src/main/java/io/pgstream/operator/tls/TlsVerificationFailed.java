package io.pgstream.operator.tls;

import io.pgstream.operator.api.ConnectionSpec;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.sql.SQLException;
import java.util.Optional;

/**
 * A connection refused because the server's certificate failed verification, with a message that
 * says which check failed and which bundle was used, instead of pgjdbc's handshake text.
 */
public final class TlsVerificationFailed extends SQLException {
  /** What failed; {@link #reason()} is the condition reason after the side's prefix. */
  public enum Kind {
    UNTRUSTED("TlsUntrusted"),
    HOST_MISMATCH("TlsHostMismatch");

    private final String reason;

    Kind(String reason) {
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  /** pgjdbc names its verifier in the (translated) message of a host-name mismatch. */
  private static final String HOSTNAME_VERIFIER = "PgjdbcHostnameVerifier";

  private final Kind kind;
  private final String fix;

  private TlsVerificationFailed(Kind kind, String message, String fix, SQLException cause) {
    super(message, cause.getSQLState());
    this.kind = kind;
    this.fix = fix;
  }

  public Kind kind() {
    return kind;
  }

  /** What to change, for the condition message. */
  public String fix() {
    return fix;
  }

  /** The verification failure {@code e} reports, if it is one. */
  public static Optional<TlsVerificationFailed> of(SQLException e, ConnectionSpec c) {
    String where = c.host + ":" + c.effectivePort();
    String trust =
        c.trustedCa == null
            ? "the JVM's default trust store (no caBundle is given and the operator has no default bundle)"
            : c.trustedCa.origin();
    if (causedByCertificate(e)) {
      return Optional.of(
          new TlsVerificationFailed(
              Kind.UNTRUSTED,
              "The server certificate of " + where + " is not signed by a CA in " + trust + ".",
              "Put the PEM certificate of the CA that signed the database's certificate (for RDS and Aurora, the AWS"
                  + " RDS global bundle) into that bundle, or point caBundle at the right one.",
              e));
    }
    if (String.valueOf(e.getMessage()).contains(HOSTNAME_VERIFIER)) {
      return Optional.of(
          new TlsVerificationFailed(
              Kind.HOST_MISMATCH,
              "The server certificate of " + where + " is signed by a CA in " + trust + " but is not issued for host "
                  + c.host + " (sslMode " + c.effectiveSslMode().libpqValue() + " checks the host name).",
              "Connect through a host name the certificate names (for RDS, the instance or cluster endpoint, not an IP"
                  + " address or a DNS alias), or set sslMode verify-ca to check the CA only (not with an admin of"
                  + " spec.prepare.source from AWS, which needs verify-full).",
              e));
    }
    return Optional.empty();
  }

  private static boolean causedByCertificate(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CertificateException || t instanceof CertPathValidatorException || t instanceof CertPathBuilderException) {
        return true;
      }
    }
    return false;
  }
}
