package io.pgstream.operator.dependent;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.config.ReplicationSlots;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an init Job creates its slot, written on the Job ({@link Children#SLOT_ANNOTATION}) as
 * {@code name@host:port/database}. The Job outlives an erased status, and after a source change the
 * spec no longer names the server the slot is on: this is then the only record of it. The Job also
 * carries every slot status recorded when it was made ({@link Children#SLOTS_RECORDED_ANNOTATION}):
 * a slot an earlier, since replaced, init Job created is then not forgotten with that Job.
 */
public record SlotLocation(String slot, String host, int port, String database) {
  private static final Pattern FORMAT = Pattern.compile("([^@]+)@(.+):(\\d+)/(.+)");

  static SlotLocation of(PgstreamPipeline p) {
    return new SlotLocation(
        ReplicationSlots.slotFor(p), p.getSpec().source.host, p.getSpec().source.effectivePort(), p.getSpec().source.database);
  }

  /** The records, one per line; null when there are none. */
  static String formatAll(List<SlotRecord> records) {
    if (records == null || records.isEmpty()) {
      return null;
    }
    return records.stream()
        .map(r -> new SlotLocation(r.name, r.host, r.port == null ? 0 : r.port, r.database).format())
        .collect(Collectors.joining("\n"));
  }

  /** Each line that reads as a location; a line that does not is skipped. */
  public static List<SlotLocation> parseAll(String value) {
    return value == null ? List.of() : Arrays.stream(value.split("\n")).flatMap(line -> parse(line).stream()).toList();
  }

  String format() {
    return slot + "@" + host + ":" + port + "/" + database;
  }

  public static Optional<SlotLocation> parse(String value) {
    Matcher m = value == null ? null : FORMAT.matcher(value);
    if (m == null || !m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new SlotLocation(m.group(1), m.group(2), Integer.parseInt(m.group(3)), m.group(4)));
  }
}
