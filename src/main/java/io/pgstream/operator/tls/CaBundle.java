package io.pgstream.operator.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collection;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * PEM certificates of the CAs a database's server certificate may chain to, and where they came from
 * (named in every message about them). Certificates are public: the bundle may go into ConfigMaps.
 *
 * @param pem one or more PEM certificates and nothing else
 * @param origin where the bundle was read, e.g. {@code ConfigMap shop/db-ca key ca.crt (spec.source.caBundle)}
 */
public record CaBundle(String pem, String origin) {
  private static final Base64.Encoder PEM_BASE64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  /** Thrown when a text holds no X.509 certificate; the message names the origin and what is wrong. */
  public static final class InvalidCaBundle extends Exception {
    InvalidCaBundle(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A bundle holding at least one X.509 certificate, re-encoded as PEM: the parser skips text around
   * the certificates, which must not follow them into the pipeline's ConfigMap.
   */
  public static CaBundle parse(String pem, String origin) throws InvalidCaBundle {
    Collection<? extends Certificate> certificates;
    try {
      certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    } catch (CertificateException e) {
      throw new InvalidCaBundle(origin + " is not a bundle of PEM certificates (" + e.getMessage() + ")");
    }
    if (certificates.isEmpty()) {
      throw new InvalidCaBundle(origin + " holds no PEM certificate");
    }
    StringBuilder out = new StringBuilder();
    for (Certificate certificate : certificates) {
      try {
        out.append("-----BEGIN CERTIFICATE-----\n")
            .append(PEM_BASE64.encodeToString(certificate.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        throw new InvalidCaBundle(origin + " holds a certificate that cannot be encoded (" + e.getMessage() + ")");
      }
    }
    return new CaBundle(out.toString(), origin);
  }

  /** The operator-wide default bundle, from the file the chart mounts. */
  public static CaBundle readDefault(Path file) throws InvalidCaBundle {
    String origin = "the operator's default CA bundle " + file + " (--default-ca-bundle)";
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), origin);
    } catch (IOException e) {
      throw new InvalidCaBundle(origin + " cannot be read: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "CaBundle[" + origin + "]";
  }
}
