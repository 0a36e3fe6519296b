package io.pgstream.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-pipeline Prometheus series, set from the status each reconcile computes: the phase and each step's
 * state (1 for the current one, 0 for the others), the conditions, the spec's retained-WAL limit, reconciles
 * by result, and the tables the last verification found different ({@link SlotMetrics} has the slot's).
 * The chart's alert rules and dashboard read these names.
 */
public class PipelineMetrics {
  /** The Job-run steps whose status the gauges follow. */
  static final List<String> STEPS = List.of("init", "snapshot", "backfill");

  private record Key(String namespace, String pipeline) {}

  private record Series(
      OneHotGauges<Phase> phase,
      Map<String, OneHotGauges<StepState>> steps,
      ConditionGauges conditions,
      AtomicLong maxRetainedWal,
      Counter succeeded,
      Counter failed,
      List<Meter> meters) {}

  private record Mismatches(AtomicLong tables, Gauge gauge) {}

  private final MeterRegistry registry;
  private final Map<Key, Series> series = new ConcurrentHashMap<>();
  private final Map<Key, Mismatches> verifications = new ConcurrentHashMap<>();

  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A reconcile ended with this status (written or not). */
  public void reconciled(PgstreamPipeline p, PgstreamPipelineStatus status) {
    Series s = series(p.getMetadata().getNamespace(), p.getMetadata().getName());
    s.phase().set(status.phase);
    Map<String, StepStatus> steps = steps(status);
    s.steps().forEach((step, gauges) -> gauges.set(steps.get(step) == null ? null : steps.get(step).state));
    s.conditions().set(status.conditions);
    s.maxRetainedWal().set(p.getSpec() == null ? 0 : p.getSpec().effectiveMaxRetainedWalBytes());
    s.succeeded().increment();
  }

  /** A reconcile threw (JOSDK retries it with backoff). */
  public void reconcileFailed(String namespace, String pipeline) {
    series(namespace, pipeline).failed().increment();
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
    Series s = series.remove(key);
    if (s != null) {
      s.phase().remove(registry);
      s.steps().values().forEach(g -> g.remove(registry));
      s.conditions().remove();
      s.meters().forEach(registry::remove);
    }
  }

  private static Map<String, StepStatus> steps(PgstreamPipelineStatus status) {
    Map<String, StepStatus> steps = new LinkedHashMap<>();
    steps.put("init", status.init);
    steps.put("snapshot", status.snapshot);
    steps.put("backfill", status.backfill);
    return steps;
  }

  private Series series(String namespace, String pipeline) {
    return series.computeIfAbsent(new Key(namespace, pipeline), k -> register(Tags.of("namespace", namespace, "pipeline", pipeline)));
  }

  private Series register(Tags tags) {
    OneHotGauges<Phase> phase =
        new OneHotGauges<>(registry, "pgstream_pipeline_phase", "1 for the pipeline's current phase", Phase.class, "phase", tags);
    Map<String, OneHotGauges<StepState>> steps = new LinkedHashMap<>();
    STEPS.forEach(
        step ->
            steps.put(
                step,
                new OneHotGauges<>(
                    registry,
                    "pgstream_pipeline_step_state",
                    "1 for the state of the step's last run (all 0 before its first)",
                    StepState.class,
                    "state",
                    tags.and("step", step))));
    AtomicLong maxRetainedWal = new AtomicLong();
    Gauge limit =
        Gauge.builder("pgstream_pipeline_max_retained_wal_bytes", maxRetainedWal, AtomicLong::doubleValue)
            .description("spec.maxRetainedWalBytes in effect: past it the pipeline is Degraded (SlotLagHigh)")
            .baseUnit("bytes")
            .tags(tags)
            .register(registry);
    Counter succeeded = reconciles(tags, "success");
    Counter failed = reconciles(tags, "error");
    return new Series(phase, steps, new ConditionGauges(registry, tags), maxRetainedWal, succeeded, failed, List.of(limit, succeeded, failed));
  }

  private Counter reconciles(Tags tags, String result) {
    return Counter.builder("pgstream_pipeline_reconciles")
        .description("Reconciles of the pipeline by result: success, or error (an exception, retried with backoff)")
        .tags(tags.and("result", result))
        .register(registry);
  }
}
