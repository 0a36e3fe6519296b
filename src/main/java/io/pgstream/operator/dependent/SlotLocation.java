package io.pgstream.operator.dependent;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.ReplicationSlots;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an init Job creates its slot, written on the Job ({@link Children#SLOT_ANNOTATION}) as
 * {@code name@host:port/database}. The Job outlives an erased status, and after a source change the
 * spec no longer names the server the slot is on: this is then the only record of it.
 */
public record SlotLocation(String slot, String host, int port, String database) {
  private static final Pattern FORMAT = Pattern.compile("([^@]+)@(.+):(\\d+)/(.+)");

  static SlotLocation of(PgstreamPipeline p) {
    return new SlotLocation(
        ReplicationSlots.slotFor(p), p.getSpec().source.host, p.getSpec().source.effectivePort(), p.getSpec().source.database);
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
