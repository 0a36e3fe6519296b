package io.pgstream.operator.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pgstream.operator.api.Phase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Per-pipeline Prometheus gauges: the phase (1 for the current phase, 0 for the others), the
 * replication slot's lag and retained WAL in bytes, and the tables the last verification found
 * different. JOSDK's own metrics count reconciles and failures.
 */
public class PipelineMetrics {
  private record Key(String namespace, String pipeline) {}

  private record Slot(AtomicLong lag, AtomicLong retained, List<Gauge> gauges) {}

  private record PhaseGauges(AtomicReference<Phase> current, List<Gauge> gauges) {}

  private final MeterRegistry registry;
  private final Map<Key, Slot> slots = new ConcurrentHashMap<>();
  private final Map<Key, PhaseGauges> phases = new ConcurrentHashMap<>();
  private final Map<Key, Mismatches> verifications = new ConcurrentHashMap<>();

  private record Mismatches(AtomicLong tables, Gauge gauge) {}

  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void phase(String namespace, String pipeline, Phase phase) {
    phases
        .computeIfAbsent(
            new Key(namespace, pipeline),
            k -> {
              AtomicReference<Phase> current = new AtomicReference<>();
              List<Gauge> gauges =
                  java.util.Arrays.stream(Phase.values())
                      .map(
                          each ->
                              Gauge.builder("pgstream_pipeline_phase", current, c -> c.get() == each ? 1 : 0)
                                  .description("1 for the pipeline's current phase")
                                  .tags(Tags.of("namespace", namespace, "pipeline", pipeline, "phase", each.name()))
                                  .register(registry))
                      .toList();
              return new PhaseGauges(current, gauges);
            })
        .current()
        .set(phase);
  }

  public void slot(String namespace, String pipeline, String slot, long lagBytes, long retainedBytes) {
    Slot s =
        slots.computeIfAbsent(
            new Key(namespace, pipeline),
            k -> {
              Tags tags = Tags.of("namespace", namespace, "pipeline", pipeline, "slot", slot);
              AtomicLong lag = new AtomicLong();
              AtomicLong retained = new AtomicLong();
              return new Slot(
                  lag,
                  retained,
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
                          .register(registry)));
            });
    s.lag().set(lagBytes);
    s.retained().set(retainedBytes);
  }

  /** The number of tables the pipeline's last verification found different. */
  public void verificationMismatches(String namespace, String pipeline, long tables) {
    verifications
        .computeIfAbsent(
            new Key(namespace, pipeline),
            k -> {
              AtomicLong count = new AtomicLong();
              return new Mismatches(
                  count,
                  Gauge.builder("pgstream_verification_mismatched_tables", count, AtomicLong::doubleValue)
                      .description("Tables whose rows differ between source and target in the last verification")
                      .tags(Tags.of("namespace", namespace, "pipeline", pipeline))
                      .register(registry));
            })
        .tables()
        .set(tables);
  }

  /** Drops a deleted pipeline's series. */
  public void forget(String namespace, String pipeline) {
    Key key = new Key(namespace, pipeline);
    Slot s = slots.remove(key);
    if (s != null) {
      s.gauges().forEach(registry::remove);
    }
    Mismatches m = verifications.remove(key);
    if (m != null) {
      registry.remove(m.gauge());
    }
    PhaseGauges p = phases.remove(key);
    if (p != null) {
      p.gauges().forEach(registry::remove);
    }
  }
}
