package io.pgstream.operator.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * PEM certificates of the CAs a database's server certificate may chain to, and where they came from
 * (named in every message about them). Certificates are public: the bundle may go into ConfigMaps.
 *
 * @param pem one or more PEM certificates
 * @param origin where the bundle was read, e.g. {@code ConfigMap shop/db-ca key ca.crt (spec.source.caBundle)}
 */
public record CaBundle(String pem, String origin) {

  /** Thrown when a text holds no X.509 certificate; the message names the origin and what is wrong. */
  public static final class InvalidCaBundle extends Exception {
    InvalidCaBundle(String message) {
      super(message, null, false, false);
    }
  }

  /** A bundle holding at least one X.509 certificate. */
  public static CaBundle parse(String pem, String origin) throws InvalidCaBundle {
    int certificates;
    try {
      certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))
              .size();
    } catch (CertificateException e) {
      throw new InvalidCaBundle(origin + " is not a bundle of PEM certificates (" + e.getMessage() + ")");
    }
    if (certificates == 0) {
      throw new InvalidCaBundle(origin + " holds no PEM certificate");
    }
    return new CaBundle(pem, origin);
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
