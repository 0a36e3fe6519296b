package io.pgstream.operator.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One gauge per enum value, 1 for the current value and 0 for the others (all 0 while there is none), so
 * a state change moves a value instead of replacing a series and {@code == 1} selects the current one.
 */
final class OneHotGauges<E extends Enum<E>> {
  private final AtomicReference<E> current = new AtomicReference<>();
  private final List<Gauge> gauges;

  OneHotGauges(MeterRegistry registry, String name, String description, Class<E> values, String label, Tags tags) {
    this.gauges =
        Arrays.stream(values.getEnumConstants())
            .map(
                each ->
                    Gauge.builder(name, current, c -> c.get() == each ? 1 : 0)
                        .description(description)
                        .tags(tags.and(label, each.name()))
                        .register(registry))
            .toList();
  }

  void set(E value) {
    current.set(value);
  }

  void remove(MeterRegistry registry) {
    gauges.forEach(registry::remove);
  }
}
