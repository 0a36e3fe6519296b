package io.pgstream.operator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The requests one user made in one namespace, counted from the API server's audit log (one line per
 * finished request): reads are get and list, writes create, update, patch and delete; watches are neither.
 */
record AuditCounts(long reads, long writes) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> READS = Set.of("get", "list");
  private static final Set<String> WRITES = Set.of("create", "update", "patch", "delete", "deletecollection");

  static AuditCounts of(Path work, String user, String namespace) {
    long reads = 0;
    long writes = 0;
    try (Stream<String> lines = lines(work)) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (!line.contains(namespace)) {
          continue;
        }
        JsonNode event = JSON.readTree(line);
        if (!user.equals(event.path("user").path("username").asText())
            || !namespace.equals(event.path("objectRef").path("namespace").asText())) {
          continue;
        }
        String verb = event.path("verb").asText();
        if (READS.contains(verb)) {
          reads++;
        } else if (WRITES.contains(verb)) {
          writes++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new AuditCounts(reads, writes);
  }

  /** The user's writes anywhere, to compare before and after a full resync. */
  static long writesBy(Path work, String user) {
    try (Stream<String> lines = lines(work)) {
      return lines.filter(l -> l.contains(user)).map(AuditCounts::parse)
          .filter(e -> user.equals(e.path("user").path("username").asText()) && WRITES.contains(e.path("verb").asText()))
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every audit file of the run: the API server rotates its log (audit.log, then audit-<time>.log). */
  private static Stream<String> lines(Path work) throws IOException {
    List<Path> files;
    try (Stream<Path> listed = Files.list(work)) {
      files = listed.filter(f -> f.getFileName().toString().matches("audit.*\\.log")).toList();
    }
    return files.stream().flatMap(f -> {
      try {
        return Files.lines(f);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
