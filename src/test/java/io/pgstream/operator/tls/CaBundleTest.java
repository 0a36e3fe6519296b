package io.pgstream.operator.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.support.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaBundleTest {
  @TempDir Path dir;

  @Test
  void aBundleOfSeveralCertificatesIsRead() throws Exception {
    String pem = TestCertificates.get().caPem() + TestCertificates.get().otherCaPem();
    assertThat(CaBundle.parse(pem, "ConfigMap a/b key c").pem()).isEqualTo(pem);
  }

  @Test
  void onlyTheCertificatesAreKeptNotTheTextAroundThem() throws Exception {
    String ca = TestCertificates.get().caPem();
    String other = TestCertificates.get().otherCaPem();
    String pem = "password: hunter2\n" + ca + "# and a note\r\n" + other.replace("\n", "\r\n") + "trailing secret\n";
    CaBundle bundle = CaBundle.parse(pem, "ConfigMap a/b key c");
    assertThat(bundle.pem()).isEqualTo(ca + other).doesNotContain("hunter2", "note", "secret", "\r");
  }

  @Test
  void textWithoutACertificateIsRefusedNamingWhereItCameFrom() {
    assertThatThrownBy(() -> CaBundle.parse("hello", "ConfigMap shop/ca key ca.crt (spec.source.caBundle)"))
        .isInstanceOf(CaBundle.InvalidCaBundle.class)
        .hasMessageStartingWith("ConfigMap shop/ca key ca.crt (spec.source.caBundle) ");
    assertThatThrownBy(() -> CaBundle.parse("", "Secret shop/ca key ca.crt (spec.target.caBundle)"))
        .hasMessageStartingWith("Secret shop/ca key ca.crt (spec.target.caBundle) ");
  }

  @Test
  void theOperatorDefaultNamesTheFlag() throws Exception {
    Path file = Files.writeString(dir.resolve("global-bundle.pem"), TestCertificates.get().caPem());
    assertThat(CaBundle.readDefault(file).origin())
        .isEqualTo("the operator's default CA bundle " + file + " (--default-ca-bundle)");
    assertThatThrownBy(() -> CaBundle.readDefault(dir.resolve("absent.pem")))
        .hasMessageContaining("(--default-ca-bundle) cannot be read");
  }
}
