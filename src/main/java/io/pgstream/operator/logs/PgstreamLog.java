package io.pgstream.operator.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what pgstream says about itself in its log (JSON lines, as the operator configures it, and
 * the CLI's closing {@code Error: …} line) without passing row data on: pgstream logs failed writes
 * with their SQL arguments, and PostgreSQL quotes offending values in some error messages.
 */
public final class PgstreamLog {
  /** pgstream's error when strict mode stops it on a write the target rejected (postgres_batch_writer.go). */
  static final String STRICT_STOP = "strict mode: stopping on non-internal";
  static final String REDACTED = RowValues.REDACTED;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Quoted strings and literals within one line: an unpaired quote must not pair with the next line's. */
  private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
  /** A quoted string after one of these words is an object name, not a value. */
  private static final Pattern NAME_BEFORE =
      Pattern.compile(
          "(?:relation|constraint|column|table|type|index|schema|function|sequence|trigger|parameter|role|database|extension|view|domain|operator|slot) $");
  private static final Pattern SQL_LITERAL = Pattern.compile("'(?:[^'\\n]|'')*'");

  private PgstreamLog() {}

  /** The last error pgstream reported, with values redacted; empty when the text holds none. */
  public static Optional<String> lastError(String log) {
    String last = null;
    for (String line : log.split("\n")) {
      String error = errorOf(line.strip());
      if (error != null) {
        last = error;
      }
    }
    // Not shortened here: credentials are redacted by the caller, which must see the whole text first.
    return Optional.ofNullable(last).map(PgstreamLog::redactValues);
  }

  /**
   * What a log tail says went wrong: pgstream's last error, or, from a program that logs no such
   * error, the tail itself with values redacted; empty for a blank tail.
   */
  public static Optional<String> summary(String tail) {
    if (tail == null || tail.isBlank()) {
      return Optional.empty();
    }
    return lastError(tail).or(() -> Optional.of(withoutRowData(tail.strip())));
  }

  /** A log tail with no error record: of pgstream's JSON records only level and message stay (the rest may be row data). */
  private static String withoutRowData(String tail) {
    StringBuilder out = new StringBuilder();
    for (String line : tail.split("\n")) {
      JsonNode record = json(line.strip());
      String kept = record == null ? line : record.path("level").asText("?") + ": " + record.path("message").asText("");
      out.append(out.isEmpty() ? "" : "\n").append(kept);
    }
    // A row value may span lines (psql prints a value's line breaks as they are).
    return redactValues(out.toString());
  }

  /** Whether an error is strict mode stopping pgstream on a rejected write. */
  public static boolean stoppedOnRejectedWrite(String error) {
    return error.contains(STRICT_STOP);
  }

  /**
   * pgstream's running count of dropped writes (strict mode off), the highest {@code dropped_queries}
   * of the {@code severity: DATALOSS} records in this log chunk; empty when it holds none.
   */
  public static OptionalLong droppedWrites(String log) {
    long max = -1;
    for (String line : log.split("\n")) {
      JsonNode record = json(line.strip());
      if (record != null && "DATALOSS".equals(record.path("severity").asText()) && record.has("dropped_queries")) {
        max = Math.max(max, record.path("dropped_queries").asLong());
      }
    }
    return max < 0 ? OptionalLong.empty() : OptionalLong.of(max);
  }

  /** The time of the last record that carries one (pgstream writes RFC 3339 timestamps). */
  public static Optional<Instant> lastTimestamp(String log) {
    Instant last = null;
    for (String line : log.split("\n")) {
      JsonNode record = json(line.strip());
      if (record != null && record.hasNonNull("timestamp")) {
        try {
          last = Instant.parse(record.get("timestamp").asText());
        } catch (DateTimeParseException notATime) {
          // another program's field of the same name: not a position in this log
        }
      }
    }
    return Optional.ofNullable(last);
  }

  /** Row values ({@link RowValues}), quoted values and SQL literals replaced; object names kept, so the message still says where. */
  static String redactValues(String message) {
    String out = RowValues.strip(message);
    Matcher quoted = QUOTED.matcher(out);
    StringBuilder kept = new StringBuilder();
    while (quoted.find()) {
      boolean name = NAME_BEFORE.matcher(out.substring(Math.max(0, quoted.start() - 12), quoted.start())).find();
      quoted.appendReplacement(kept, Matcher.quoteReplacement(name ? quoted.group() : "\"" + REDACTED + "\""));
    }
    out = quoted.appendTail(kept).toString();
    return SQL_LITERAL.matcher(out).replaceAll(Matcher.quoteReplacement("'" + REDACTED + "'"));
  }

  private static String errorOf(String line) {
    if (line.startsWith("Error: ")) {
      return line.substring("Error: ".length());
    }
    JsonNode record = json(line);
    if (record == null) {
      return null;
    }
    String level = record.path("level").asText();
    if (!level.equals("error") && !level.equals("fatal") && !level.equals("panic")) {
      return null;
    }
    // pgstream's zerolog writes the error as "error.message" (a flat key); plain zerolog as "error".
    JsonNode error = record.has("error.message") ? record.path("error.message") : record.path("error");
    String cause = error.isObject() ? error.path("message").asText("") : error.asText("");
    String message = record.path("message").asText("");
    return cause.isEmpty() ? message : message.isEmpty() ? cause : message + ": " + cause;
  }

  private static JsonNode json(String line) {
    if (!line.startsWith("{")) {
      return null;
    }
    try {
      return JSON.readTree(line);
    } catch (java.io.IOException notJson) {
      return null;
    }
  }
}
