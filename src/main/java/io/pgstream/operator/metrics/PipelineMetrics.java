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
 * Per-pipeline Prometheus gauges: the phase (1 for the current phase, 0 for the others) and the
 * tables the last verification found different ({@link SlotMetrics} has the slot's). JOSDK's own
 * metrics count reconciles and failures.
 */
public class PipelineMetrics {
  private record Key(String namespace, String pipeline) {}

  private record PhaseGauges(AtomicReference<Phase> current, List<Gauge> gauges) {}

  private final MeterRegistry registry;
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
