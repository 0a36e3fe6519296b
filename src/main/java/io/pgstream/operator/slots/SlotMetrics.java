package io.pgstream.operator.slots;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Prometheus gauges of each streaming pipeline's slot: lag and retained WAL in bytes. */
public class SlotMetrics {
  private record Key(String namespace, String pipeline) {}

  private record Values(AtomicLong lag, AtomicLong retained, Gauge lagGauge, Gauge retainedGauge) {}

  private final MeterRegistry registry;
  private final Map<Key, Values> gauges = new ConcurrentHashMap<>();

  public SlotMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void record(String namespace, String pipeline, String slot, long lagBytes, long retainedBytes) {
    Values v =
        gauges.computeIfAbsent(
            new Key(namespace, pipeline),
            k -> {
              Tags tags = Tags.of("namespace", namespace, "pipeline", pipeline, "slot", slot);
              AtomicLong lag = new AtomicLong();
              AtomicLong retained = new AtomicLong();
              return new Values(
                  lag,
                  retained,
                  Gauge.builder("pgstream_replication_slot_lag_bytes", lag, AtomicLong::doubleValue)
                      .description("WAL bytes pgstream has not confirmed yet")
                      .baseUnit("bytes")
                      .tags(tags)
                      .register(registry),
                  Gauge.builder("pgstream_replication_slot_retained_wal_bytes", retained, AtomicLong::doubleValue)
                      .description("WAL bytes the replication slot keeps on the source")
                      .baseUnit("bytes")
                      .tags(tags)
                      .register(registry));
            });
    v.lag().set(lagBytes);
    v.retained().set(retainedBytes);
  }

  public void forget(String namespace, String pipeline) {
    Values v = gauges.remove(new Key(namespace, pipeline));
    if (v != null) {
      registry.remove(v.lagGauge());
      registry.remove(v.retainedGauge());
    }
  }
}
