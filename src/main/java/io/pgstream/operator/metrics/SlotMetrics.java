package io.pgstream.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pgstream.operator.slots.SlotHealth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pipeline's replication slot gauges (lag, retained WAL, whether a consumer is connected, time of the
 * last successful check) and
 * its failed-check counter. Keyed by the pipeline's UID, so a pipeline re-created under the same name
 * starts afresh; the series carry the slot name and are registered again when it changes.
 */
public class SlotMetrics {
  private record Series(
      String slot, AtomicLong lag, AtomicLong retained, AtomicLong active, AtomicLong checkedAt, List<Meter> meters) {}

  private final MeterRegistry registry;
  private final Map<String, Series> series = new ConcurrentHashMap<>();
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();

  public SlotMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A successful check's reading; a slot the check did not find reads as inactive, with nothing retained. */
  public void measured(String uid, String namespace, String pipeline, String slot, SlotHealth health, long epochSeconds) {
    Series s = series.compute(uid, (k, old) -> old != null && old.slot().equals(slot) ? old : register(old, namespace, pipeline, slot));
    s.lag().set(health.lagBytes());
    s.retained().set(health.retainedBytes());
    s.active().set(health.active() ? 1 : 0);
    s.checkedAt().set(epochSeconds);
  }

  public void checkFailed(String uid, String namespace, String pipeline) {
    failures
        .computeIfAbsent(
            uid,
            k ->
                Counter.builder("pgstream_replication_slot_check_failures")
                    .description("Slot checks of the pipeline's source that failed (login refused, unreachable, timed out)")
                    .tags(Tags.of("namespace", namespace, "pipeline", pipeline))
                    .register(registry))
        .increment();
  }

  public void forget(String uid) {
    Series s = series.remove(uid);
    if (s != null) {
      s.meters().forEach(registry::remove);
    }
    Counter c = failures.remove(uid);
    if (c != null) {
      registry.remove(c);
    }
  }

  private Series register(Series old, String namespace, String pipeline, String slot) {
    if (old != null) {
      old.meters().forEach(registry::remove);
    }
    Tags tags = Tags.of("namespace", namespace, "pipeline", pipeline, "slot", slot);
    AtomicLong lag = new AtomicLong();
    AtomicLong retained = new AtomicLong();
    AtomicLong active = new AtomicLong();
    AtomicLong checkedAt = new AtomicLong();
    List<Meter> meters =
        List.of(
            Gauge.builder("pgstream_replication_slot_lag_bytes", lag, AtomicLong::doubleValue)
                .description("WAL bytes pgstream has not confirmed yet")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry),
            Gauge.builder("pgstream_replication_slot_retained_wal_bytes", retained, AtomicLong::doubleValue)
                .description("WAL bytes the replication slot keeps on the source")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry),
            Gauge.builder("pgstream_replication_slot_active", active, AtomicLong::doubleValue)
                .description("1 while a consumer (the pipeline's pgstream) is connected to the slot")
                .tags(tags)
                .register(registry),
            Gauge.builder("pgstream_replication_slot_last_check_timestamp_seconds", checkedAt, AtomicLong::doubleValue)
                .description("When the slot was last measured successfully (Unix time)")
                .tags(tags)
                .register(registry));
    return new Series(slot, lag, retained, active, checkedAt, meters);
  }
}
