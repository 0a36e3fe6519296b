package io.pgstream.operator.metrics;

import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pipeline's conditions as gauges {@code pgstream_pipeline_condition{type,reason}}: 1 while the
 * condition is True, 0 otherwise. The reason is a label so that an alert can name it; a new reason
 * replaces the type's series.
 */
final class ConditionGauges {
  private record Series(String reason, AtomicInteger value, Gauge gauge) {}

  private final MeterRegistry registry;
  private final Tags tags;
  private final Map<String, Series> byType = new HashMap<>();

  ConditionGauges(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
  }

  synchronized void set(List<Condition> conditions) {
    Map<String, Condition> now = new HashMap<>();
    conditions.forEach(c -> now.put(c.getType(), c));
    byType.keySet().stream().filter(type -> !now.containsKey(type)).toList().forEach(type -> registry.remove(byType.remove(type).gauge()));
    now.forEach(
        (type, c) -> {
          String reason = Objects.requireNonNullElse(c.getReason(), "");
          Series s = byType.get(type);
          if (s == null || !s.reason().equals(reason)) {
            if (s != null) {
              registry.remove(s.gauge());
            }
            s = register(type, reason);
            byType.put(type, s);
          }
          s.value().set("True".equals(c.getStatus()) ? 1 : 0);
        });
  }

  synchronized void remove() {
    byType.values().forEach(s -> registry.remove(s.gauge()));
    byType.clear();
  }

  private Series register(String type, String reason) {
    AtomicInteger value = new AtomicInteger();
    Gauge gauge =
        Gauge.builder("pgstream_pipeline_condition", value, AtomicInteger::doubleValue)
            .description("1 while the pipeline's condition of this type is True, 0 otherwise; reason is the condition's")
            .tags(tags.and("type", type, "reason", reason))
            .register(registry);
    return new Series(reason, value, gauge);
  }
}
