package io.pgstream.operator.benchdata;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the rounds measured, and the report made of it: results/bench-data.md (tables, ratios, machine,
 * commands), bench-data.json (its ratios, which also go into results/bench.json) and bench-data.png.
 */
final class Results {
  static final String MARKDOWN = "bench-data.md";
  private static final String RENDERED = "pgstream " + Settings.RENDERED;

  private final long rowsAsked;
  private final int changes;
  private final int reps;
  private final int lagSeconds;
  private final String loadAtStart = load();
  private long rows;
  private String size;
  private double datasetSeconds;
  private final Map<String, List<Double>> snapshotSeconds = new LinkedHashMap<>();
  private final Map<String, List<Double>> backlogRates = new LinkedHashMap<>();
  private final Map<Integer, Map<String, List<Double>>> lagMillis = new LinkedHashMap<>();

  Results(long rowsAsked, int changes, int reps, int lagSeconds) {
    this.rowsAsked = rowsAsked;
    this.changes = changes;
    this.reps = reps;
    this.lagSeconds = lagSeconds;
  }

  void dataset(long rows, String size, double seconds) {
    this.rows = rows;
    this.size = size;
    this.datasetSeconds = seconds;
  }

  void snapshot(String method, double seconds) {
    snapshotSeconds.computeIfAbsent(method, k -> new ArrayList<>()).add(seconds);
  }

  void backlog(String applier, double changesPerSecond) {
    backlogRates.computeIfAbsent(applier, k -> new ArrayList<>()).add(changesPerSecond);
  }

  void lag(String applier, int rate, List<Double> millis) {
    lagMillis.computeIfAbsent(rate, k -> new LinkedHashMap<>()).computeIfAbsent(applier, k -> new ArrayList<>()).addAll(millis);
  }

  /** The 1-, 5- and 15-minute load averages. */
  static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "n/a";
    }
  }

  static double median(List<Double> values) {
    return values == null ? Double.NaN : percentile(values, 50);
  }

  /** Nearest-rank percentile. */
  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    if (p == 50 && sorted.size() % 2 == 0) {
      return (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  private double bestPgstreamRate() {
    return backlogRates.entrySet().stream()
        .filter(e -> e.getKey().startsWith("pgstream "))
        .mapToDouble(e -> median(e.getValue()))
        .max()
        .orElse(Double.NaN);
  }

  private String bestPgstreamSetting() {
    double best = bestPgstreamRate();
    return backlogRates.entrySet().stream()
        .filter(e -> e.getKey().startsWith("pgstream ") && median(e.getValue()) == best)
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse("none");
  }

  /** A ratio to 3 decimals; NaN when a phase did not run (BENCH_PHASES), which leaves its key out. */
  private double ratio(double a, double b) {
    return rounded(a / b, 1000);
  }

  /** Math.round would turn NaN into 0, a measurement that was never made. */
  private static double rounded(double v, double scale) {
    return Double.isNaN(v) ? v : Math.round(v * scale) / scale;
  }

  private Map<String, Object> keys() {
    Map<String, Object> k = new LinkedHashMap<>();
    k.put("snapshot_vs_pgdump_ratio", ratio(median(snapshotSeconds.get(RENDERED)), median(snapshotSeconds.get(Copier.PgDumpRestore.NAME))));
    double rendered = median(backlogRates.get(RENDERED));
    k.put("stream_vs_best_pgstream_ratio", ratio(rendered, bestPgstreamRate()));
    k.put("stream_vs_native_ratio", ratio(rendered, median(backlogRates.get(Applier.Native.NAME))));
    for (var byRate : lagMillis.entrySet()) {
      List<Double> lags = byRate.getValue().get(RENDERED);
      if (lags != null) {
        k.put("lag_p99_ms_" + byRate.getKey() + "tps", rounded(percentile(lags, 99), 10));
        k.put("lag_p50_ms_" + byRate.getKey() + "tps", rounded(percentile(lags, 50), 10));
      }
    }
    k.put("stream_rendered_changes_per_s", rounded(rendered, 1));
    return k;
  }

  void write(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Map<String, Object> measured = new LinkedHashMap<>(keys());
    measured.values().removeIf(v -> v instanceof Double d && d.isNaN());
    Files.writeString(dir.resolve("bench-data.json"), json.writeValueAsString(measured) + "\n");
    // bench.json holds both benchmarks' keys: make bench keeps these when it rewrites its own.
    Path both = dir.resolve("bench.json");
    Map<String, Object> all = new LinkedHashMap<>();
    if (Files.exists(both)) {
      all.putAll(json.readValue(both.toFile(), new TypeReference<Map<String, Object>>() {}));
    }
    all.putAll(measured);
    Files.writeString(both, json.writeValueAsString(all) + "\n");
    DataPlot.write(panels(), dir.resolve("bench-data.png"));
    Files.writeString(dir.resolve(MARKDOWN), markdown());
  }

  private List<DataPlot.Panel> panels() {
    List<DataPlot.Panel> panels = new ArrayList<>();
    panels.add(new DataPlot.Panel("Snapshot of " + String.format("%,d", rows) + " rows (" + size + "), seconds, median: lower is better",
        snapshotSeconds.entrySet().stream().map(e -> bar(e.getKey(), median(e.getValue()))).toList()));
    panels.add(new DataPlot.Panel("Backlog apply rate of " + String.format("%,d", changes) + " changes, changes/s, median: higher is better",
        backlogRates.entrySet().stream().map(e -> bar(e.getKey(), median(e.getValue()))).toList()));
    List<DataPlot.Bar> lags = new ArrayList<>();
    lagMillis.forEach((rate, byApplier) -> byApplier.forEach((applier, ms) -> {
      lags.add(new DataPlot.Bar(applier + " @" + rate + " tx/s p50", percentile(ms, 50), applier.equals(RENDERED)));
      lags.add(new DataPlot.Bar(applier + " @" + rate + " tx/s p99", percentile(ms, 99), applier.equals(RENDERED)));
    }));
    panels.add(new DataPlot.Panel("End-to-end lag, ms: lower is better", lags));
    return panels;
  }

  private static DataPlot.Bar bar(String name, double value) {
    return new DataPlot.Bar(name, value, name.equals(RENDERED));
  }

  private String markdown() {
    Map<String, Object> k = keys();
    StringBuilder md = new StringBuilder();
    md.append("# Data-plane benchmark (`make bench-data`)\n\n")
        .append("Real pgstream (").append(System.getenv().getOrDefault("BENCH_PGSTREAM_VERSION", "?"))
        .append(") with the config the operator renders, against what a user would pick instead, on the same two")
        .append(" PostgreSQL servers and data in one run; every method's rounds interleaved (A, B, C in odd reps, C, B, A in even")
        .append(" ones) so the shared machine's noise, also a drifting one, falls on all of them. ").append(reps).append(" rep(s) each; medians.\n\n")
        .append("![bench-data](bench-data.png)\n\n");
    md.append("## Ratios\n\n| Key | Value | Target |\n|---|---|---|\n")
        .append("| `snapshot_vs_pgdump_ratio` (rendered snapshot time / pg_dump -Fc \\| pg_restore) | ")
        .append(k.get("snapshot_vs_pgdump_ratio")).append(" | ≤ 1.3 |\n")
        .append("| `stream_vs_best_pgstream_ratio` (rendered apply rate / best swept setting, ").append(bestPgstreamSetting())
        .append(") | ").append(k.get("stream_vs_best_pgstream_ratio")).append(" | ≥ 0.95 |\n")
        .append("| `stream_vs_native_ratio` (rendered apply rate / native logical replication) | ")
        .append(k.get("stream_vs_native_ratio")).append(" | reported |\n")
        .append("| `lag_p99_ms_10tps` (rendered) | ").append(k.getOrDefault("lag_p99_ms_10tps", "n/a")).append(" | ≤ 250 |\n\n");
    md.append("## Dataset\n\n")
        .append(String.format("%,d rows (%,d asked) in customers, orders, events, items (bigint, numeric, text, text[], jsonb,"
            + " uuid, bytea, boolean, date, timestamp(tz), double precision); %s on disk; generated in %.0f s.%n", rows, rowsAsked, size,
            datasetSeconds))
        .append(String.format("The change stream: %,d changes per backlog, %d per transaction, interleaved across the tables"
            + " (inserts 40%%, updates 40%%, deletes 20%%).%n%n", changes, Dataset.CHANGES_PER_TRANSACTION));
    md.append("## Snapshot (schema and data into an empty database)\n\n| Method | Seconds (each rep) | Median | vs pg_dump |\n|---|---|---|---|\n");
    double floor = median(snapshotSeconds.get(Copier.PgDumpRestore.NAME));
    snapshotSeconds.forEach((m, s) -> md.append("| ").append(cell(m)).append(" | ").append(list(s, "%.1f")).append(" | ")
        .append(String.format("%.1f", median(s))).append(" | ").append(String.format("%.2fx", median(s) / floor)).append(" |\n"));
    md.append("\n## Streaming: apply rate of a backlog\n\nA new slot per round, ").append(String.format("%,d", changes))
        .append(" changes written while nothing applies, then the time until the last change is on the target.\n\n")
        .append("| Applier | Changes/s (each rep) | Median | vs rendered |\n|---|---|---|---|\n");
    double rendered = median(backlogRates.get(RENDERED));
    backlogRates.forEach((a, r) -> md.append("| ").append(a).append(" | ").append(list(r, "%,.0f")).append(" | ")
        .append(String.format("%,.0f", median(r))).append(" | ").append(String.format("%.3fx", median(r) / rendered)).append(" |\n"));
    md.append("\n## Streaming: end-to-end lag\n\nEach transaction, at random (Poisson) times averaging the rate, inserts a probe row stamped on the"
            + " source (`clock_timestamp()`) and updates a customer; a trigger stamps its arrival on the target (same host, same clock). ")
        .append(lagSeconds).append(" s per round.\n\n| Rate | Applier | Probes | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
    lagMillis.forEach((rate, byApplier) -> byApplier.forEach((a, ms) -> md.append("| ").append(rate).append(" tx/s | ").append(a)
        .append(" | ").append(ms.size()).append(" | ").append(String.format("%.0f", percentile(ms, 50))).append(" | ")
        .append(String.format("%.0f", percentile(ms, 99))).append(" | ").append(String.format("%.0f", percentile(ms, 100))).append(" |\n")));
    md.append("\n## Machine and versions\n\n")
        .append(System.getenv().getOrDefault("BENCH_MACHINE", "?")).append("; Java ").append(System.getProperty("java.version"))
        .append("; load average at start ").append(loadAtStart).append(", at end ").append(load()).append(".\n\n");
    md.append("## Reproduce\n\n```\n").append(System.getenv().getOrDefault("BENCH_COMMAND", "make bench-data")).append("\n```\n");
    return md.toString();
  }

  /** A table cell: a pipe inside a name would end it. */
  private static String cell(String text) {
    return text.replace("|", "\\|");
  }

  private static String list(List<Double> values, String format) {
    return values.stream().map(v -> String.format(format, v)).collect(Collectors.joining(", "));
  }
}
