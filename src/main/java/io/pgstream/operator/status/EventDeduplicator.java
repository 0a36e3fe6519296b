package io.pgstream.operator.status;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tells whether an Event is news: the same type, reason and message for the same object within
 * {@link #WINDOW} is not, unless an Event of the other type was recorded for it in between (a
 * problem that comes back after "Recovered" is told again). Remembers a bounded number of objects,
 * so deleted pipelines need no clean-up.
 */
final class EventDeduplicator {
  static final Duration WINDOW = Duration.ofMinutes(10);
  private static final int OBJECTS = 10_000;

  /** When each (type, reason, message) and each type was last recorded for one object. */
  private record Seen(Map<String, Instant> events, Map<String, Instant> types) {}

  private final Map<String, Seen> objects =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
          return size() > OBJECTS;
        }
      };

  /** True (and remembered) when the Event should be written. */
  synchronized boolean isNew(String object, String type, String reason, String message, Instant now) {
    Seen seen = objects.computeIfAbsent(object, k -> new Seen(new HashMap<>(), new HashMap<>()));
    String key = type + "\n" + reason + "\n" + message;
    Instant last = seen.events().get(key);
    Instant otherType = seen.types().entrySet().stream()
        .filter(e -> !e.getKey().equals(type)).map(Map.Entry::getValue).max(Instant::compareTo).orElse(null);
    boolean repeat = last != null && now.isBefore(last.plus(WINDOW)) && (otherType == null || !otherType.isAfter(last));
    if (repeat) {
      return false;
    }
    seen.events().put(key, now);
    seen.types().put(type, now);
    return true;
  }
}
