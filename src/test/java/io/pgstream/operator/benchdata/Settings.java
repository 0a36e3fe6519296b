package io.pgstream.operator.benchdata;

import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SnapshotSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A swept pgstream setting written as the CRD fields a user would set, e.g. {@code size=2000,timeoutMillis=100}
 * (spec.target.batch) or {@code copyWorkers=2,tableWorkers=2} (spec.snapshot); "rendered" is the spec without them.
 */
record Settings(String name, Consumer<PgstreamPipelineSpec> tweak) {
  static final String RENDERED = "rendered";

  static Settings rendered() {
    return new Settings(RENDERED, spec -> {});
  }

  /** "rendered" first, then each of the ';'-separated settings. */
  static List<Settings> sweep(String list) {
    List<Settings> out = new ArrayList<>(List.of(rendered()));
    for (String s : list.split(";")) {
      if (!s.isBlank()) {
        out.add(parse(s.trim()));
      }
    }
    return out;
  }

  static Settings parse(String text) {
    Consumer<PgstreamPipelineSpec> tweak = spec -> {};
    for (String pair : text.split(",")) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("a setting is field=value: " + pair);
      }
      String key = kv[0].trim();
      String value = kv[1].trim();
      tweak = tweak.andThen(spec -> set(spec, key, value));
    }
    return new Settings(text, tweak);
  }

  private static void set(PgstreamPipelineSpec spec, String key, String value) {
    switch (key) {
      case "size" -> batch(spec).size = Integer.valueOf(value);
      case "timeoutMillis" -> batch(spec).timeoutMillis = Integer.valueOf(value);
      case "maxBytes" -> batch(spec).maxBytes = Long.valueOf(value);
      case "maxQueueBytes" -> batch(spec).maxQueueBytes = Long.valueOf(value);
      case "copyWorkers" -> snapshot(spec).copyWorkers = Integer.valueOf(value);
      case "tableWorkers" -> snapshot(spec).tableWorkers = Integer.valueOf(value);
      case "schemaWorkers" -> snapshot(spec).schemaWorkers = Integer.valueOf(value);
      default -> throw new IllegalArgumentException("not a swept setting: " + key);
    }
  }

  private static BatchSpec batch(PgstreamPipelineSpec spec) {
    if (spec.target.batch == null) {
      spec.target.batch = new BatchSpec();
    }
    return spec.target.batch;
  }

  private static SnapshotSpec snapshot(PgstreamPipelineSpec spec) {
    if (spec.snapshot == null) {
      spec.snapshot = new SnapshotSpec();
    }
    return spec.snapshot;
  }
}
