package io.pgstream.operator.tls;

import io.pgstream.operator.config.Hashes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * pgjdbc reads {@code sslrootcert} from a file, so each bundle is written once per process under
 * java.io.tmpdir, named by the hash of its content and readable by the operator only. A file of that
 * name left by someone else is replaced on first use, never trusted.
 */
public final class RootCertFiles {
  private final Path directory;
  private final Map<String, Path> written = new ConcurrentHashMap<>();

  public RootCertFiles(Path directory) {
    this.directory = directory;
  }

  public static RootCertFiles inTempDirectory() {
    return new RootCertFiles(Path.of(System.getProperty("java.io.tmpdir")));
  }

  public Path fileFor(CaBundle bundle) throws IOException {
    try {
      return written.computeIfAbsent(Hashes.sha256Hex(bundle.pem()), hash -> write(hash, bundle.pem()));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private Path write(String hash, String pem) {
    try {
      Path temp =
          Files.createTempFile(directory, "pgstream-ca-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(temp, pem, StandardCharsets.UTF_8);
      return Files.move(
          temp, directory.resolve("pgstream-ca-" + hash + ".pem"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
