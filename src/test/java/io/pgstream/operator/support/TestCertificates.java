package io.pgstream.operator.support;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test CA that signed the embedded servers' certificate (issued for DNS name localhost only, so
 * connecting through 127.0.0.1 is a host-name mismatch), and an unrelated CA that signed nothing.
 */
public final class TestCertificates {
  /** The host name the servers' certificate is issued for. */
  public static final String SERVER_HOST = "localhost";

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
  private static TestCertificates instance;

  private final String caPem;
  private final String otherCaPem;
  private final Path serverCert;
  private final Path serverKey;

  private TestCertificates() throws GeneralSecurityException, IOException, OperatorCreationException {
    KeyPair caKeys = keys();
    X509Certificate ca = certificate("CN=pgstream-operator test CA", caKeys, "CN=pgstream-operator test CA", caKeys, true, null);
    KeyPair otherKeys = keys();
    X509Certificate other = certificate("CN=some other CA", otherKeys, "CN=some other CA", otherKeys, true, null);
    KeyPair serverKeys = keys();
    X509Certificate server = certificate("CN=pgstream-operator test CA", caKeys, "CN=" + SERVER_HOST, serverKeys, false, SERVER_HOST);
    caPem = pem(ca);
    otherCaPem = pem(other);
    Path dir = Files.createTempDirectory("pgstream-test-tls");
    dir.toFile().deleteOnExit(); // registered first, deleted after the files
    serverCert = Files.writeString(dir.resolve("server.crt"), pem(server));
    // PostgreSQL refuses a key file that others can read.
    serverKey =
        Files.createFile(dir.resolve("server.key"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    serverCert.toFile().deleteOnExit();
    serverKey.toFile().deleteOnExit();
    // PKCS#8, which carries the curve; BouncyCastle's SEC1 output of a JCA key leaves it out.
    Files.writeString(
        serverKey,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(serverKeys.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
  }

  public static synchronized TestCertificates get() {
    if (instance == null) {
      try {
        instance = new TestCertificates();
      } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
        throw new IllegalStateException("test certificates could not be made", e);
      }
    }
    return instance;
  }

  /** The PEM certificate of the CA that signed the servers' certificate. */
  public String caPem() {
    return caPem;
  }

  /** The PEM certificate of a CA that signed nothing the tests connect to. */
  public String otherCaPem() {
    return otherCaPem;
  }

  public Path serverCert() {
    return serverCert;
  }

  public Path serverKey() {
    return serverKey;
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509Certificate certificate(
      String issuer, KeyPair issuerKeys, String subject, KeyPair subjectKeys, boolean ca, String dnsName)
      throws GeneralSecurityException, IOException, OperatorCreationException {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            new X500Name(issuer),
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(30))),
            new X500Name(subject),
            subjectKeys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ca) {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
    }
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
