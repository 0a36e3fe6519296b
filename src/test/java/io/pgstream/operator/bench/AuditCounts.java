package io.pgstream.operator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The requests one user made in one namespace, counted from the API server's audit log (one line per
 * finished request): reads are get and list, writes create, update, patch and delete; watches are neither.
 * Each kind of request (verb and resource) also with the time the API server took to answer it
 * (received to response complete).
 */
record AuditCounts(long reads, long writes, Map<String, Kind> kinds) {
  /** Requests of one kind and the API server's milliseconds on them in all. */
  record Kind(long count, double serverMs) {
    Kind plus(double ms) {
      return new Kind(count + 1, serverMs + ms);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> READS = Set.of("get", "list");
  private static final Set<String> WRITES = Set.of("create", "update", "patch", "delete", "deletecollection");

  static AuditCounts of(Path work, String user, String namespace) {
    long reads = 0;
    long writes = 0;
    Map<String, Kind> kinds = new TreeMap<>();
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
        } else {
          continue;
        }
        JsonNode ref = event.path("objectRef");
        String kind = verb + " " + ref.path("resource").asText() + (ref.hasNonNull("subresource") ? "/" + ref.path("subresource").asText() : "");
        double ms = Duration.between(Instant.parse(event.path("requestReceivedTimestamp").asText()),
            Instant.parse(event.path("stageTimestamp").asText())).toNanos() / 1e6;
        kinds.merge(kind, new Kind(1, ms), (a, b) -> a.plus(b.serverMs()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new AuditCounts(reads, writes, kinds);
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
