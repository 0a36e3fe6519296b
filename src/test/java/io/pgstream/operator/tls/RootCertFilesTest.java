package io.pgstream.operator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootCertFilesTest {
  @TempDir Path dir;

  @Test
  void eachBundleIsOneFileNamedByItsContentReadableByTheOperatorOnly() throws Exception {
    RootCertFiles files = new RootCertFiles(dir);
    Path first = files.fileFor(new CaBundle("PEM A", "ConfigMap a"));
    assertThat(Files.readString(first)).isEqualTo("PEM A");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first))).isEqualTo("rw-------");
    assertThat(files.fileFor(new CaBundle("PEM A", "Secret b"))).isEqualTo(first);
    Path other = files.fileFor(new CaBundle("PEM B", "ConfigMap a"));
    assertThat(other).isNotEqualTo(first);
    try (var listing = Files.list(dir)) {
      assertThat(listing).containsExactlyInAnyOrder(first, other);
    }
  }

  @Test
  void aFileOfTheSameNameLeftBySomeoneElseIsReplaced() throws Exception {
    Path planted = new RootCertFiles(dir).fileFor(new CaBundle("PEM A", "x"));
    Files.writeString(planted, "PLANTED CA");
    Path used = new RootCertFiles(dir).fileFor(new CaBundle("PEM A", "x"));
    assertThat(used).isEqualTo(planted);
    assertThat(Files.readString(used)).isEqualTo("PEM A");
  }
}
