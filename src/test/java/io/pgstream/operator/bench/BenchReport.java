package io.pgstream.operator.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pgstream.operator.bench.RealApiBench.Round;
import io.pgstream.operator.bench.RealApiBench.Who;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/** results/bench.md and the control-plane keys of results/bench.json (other keys in it are kept). */
final class BenchReport {
  private BenchReport() {}

  /** The operator container of deploy/ (the chart with its defaults): its memory limit and JVM options. */
  record ChartMemory(long limitMiB, long requestMiB, String javaToolOptions) {
    /** The JVM options that give the operator outside a container the heap the chart gives it inside one. */
    List<String> jvmOptions() {
      List<String> options = new ArrayList<>(List.of("-XX:MaxRAM=" + limitMiB + "m"));
      options.addAll(List.of(javaToolOptions.trim().split("\\s+")));
      return options;
    }

    static ChartMemory ofDeploy() throws IOException {
      try (InputStream in = Files.newInputStream(Path.of("deploy/pgstream-operator.yaml"))) {
        List<HasMetadata> items = Serialization.unmarshal(in);
        Container c = items.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
            .flatMap(d -> d.getSpec().getTemplate().getSpec().getContainers().stream()).filter(x -> x.getName().equals("operator"))
            .findFirst().orElseThrow();
        String options = c.getEnv().stream().filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS")).findFirst().orElseThrow().getValue();
        return new ChartMemory(mib(c.getResources().getLimits().get("memory")), mib(c.getResources().getRequests().get("memory")), options);
      }
    }

    private static long mib(Quantity q) {
      return Quantity.getAmountInBytes(q).longValue() / (1024 * 1024);
    }
  }

  static String markdown(List<OperatorBench.Round> mock, Long mockFirstReconcileMs, RealApiBench.Result real) throws IOException {
    StringBuilder out = new StringBuilder("# pgstream-operator control-plane benchmark\n\n");
    out.append(String.format(Locale.ROOT, "Machine: %d cores (%s), %d MiB RAM, shared with other work; %s %s. Date: %s.%n",
        Runtime.getRuntime().availableProcessors(), cpu(), memTotalMiB(), System.getProperty("java.vm.name"), System.getProperty("java.version"), Instant.now()));
    out.append("Versions: JOSDK ").append(version("io.javaoperatorsdk.operator.Operator")).append(", Fabric8 ")
        .append(version("io.fabric8.kubernetes.client.KubernetesClient"));
    if (real != null) {
      out.append(", kube-apiserver ").append(System.getenv("BENCH_KUBE_VERSION")).append(", etcd ").append(System.getenv("BENCH_ETCD_VERSION"));
    }
    out.append(".\n\n");
    if (real != null) {
      realApi(out, real);
    }
    if (!mock.isEmpty()) {
      out.append("## Mock API server (Fabric8, CRUD mode, in the benchmark's JVM)\n\n");
      out.append("Requests counted by the mock server (the operator's User-Agent). Heap and RSS are the benchmark JVM's.\n\n");
      out.append("| pipelines | p50 ms | p99 ms | max ms | writes/pipeline | reads/pipeline | writes in full resync | heap MiB | RSS MiB |\n");
      out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (OperatorBench.Round r : mock) {
        out.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.2f | %.2f | %d | %d | %d |%n",
            r.pipelines(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.writesPerPipeline(), r.readsPerPipeline(), r.resyncWrites(), r.heapMiB(), r.rssMiB()));
      }
      out.append("\nJVM start to first reconcile (mock server, first init Job seen): ").append(mockFirstReconcileMs).append(" ms.\n");
    }
    return out.toString();
  }

  private static void realApi(StringBuilder out, RealApiBench.Result real) {
    out.append("## Real kube-apiserver and etcd: the operator against the floor\n\n");
    boolean chartHeap = real.operatorJvm().equals(real.chart().jvmOptions());
    out.append("Operator: `Main run` in its own JVM (`").append(String.join(" ", real.operatorJvm())).append("`: ")
        .append(chartHeap ? "the heap the chart's defaults give it inside its memory limit" : "set by BENCH_OPERATOR_JVM, not the chart's")
        .append("; deploy/pgstream-operator.yaml: memory limit ").append(real.chart().limitMiB())
        .append(" MiB, request ").append(real.chart().requestMiB()).append(" MiB, `").append(real.chart().javaToolOptions()).append("`). Floor: a plain Fabric8 client, ").append(FloorClient.THREADS)
        .append(" threads, that on each new pipeline (its informer) creates copies of the operator's ConfigMap, Secret and Job and PUTs")
        .append(" the operator's status: the 4 writes a pipeline needs, nothing else. Pipelines: mode replication, preflight Skip,")
        .append(" created by 8 threads. Latency: create request sent to the init Job's ADDED event on a watch. Requests: counted by")
        .append(" the API server (audit log, per user and namespace). Rounds interleaved (operator, floor; then floor, operator for")
        .append(" up to 1,000); the per-size figures are the means of the rounds. Load average before ").append(real.loadBefore())
        .append(", after ").append(real.loadAfter()).append(".\n\n");
    out.append("| pipelines | p50 ms op / floor | ratio | p99 ms op / floor | ratio | pipelines/s op / floor | ratio | reads/pipeline op / floor | writes/pipeline op / floor | heap MiB | peak RSS MiB |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int n : sizes(real)) {
      List<Round> op = of(real, Who.OPERATOR, n);
      List<Round> floor = of(real, Who.FLOOR, n);
      out.append(String.format(Locale.ROOT, "| %,d | %.0f / %.0f | %.2f | %.0f / %.0f | %.2f | %.1f / %.1f | %.2f | %.2f / %.2f | %.2f / %.2f | %d | %d |%n",
          n, mean(op, Round::p50Ms), mean(floor, Round::p50Ms), ratio(real, n, Round::p50Ms),
          mean(op, Round::p99Ms), mean(floor, Round::p99Ms), ratio(real, n, Round::p99Ms),
          mean(op, Round::pipelinesPerSecond), mean(floor, Round::pipelinesPerSecond), ratio(real, n, Round::pipelinesPerSecond),
          mean(op, Round::readsPerPipeline), mean(floor, Round::readsPerPipeline),
          mean(op, Round::writesPerPipeline), mean(floor, Round::writesPerPipeline),
          op.get(op.size() - 1).heapMiB(), op.get(op.size() - 1).rssMiB()));
    }
    cpu(out, real);
    requests(out, real);
    out.append(String.format(Locale.ROOT,
        "%nHeap (after a full GC) grows %.1f MiB per 1,000 pipelines (least squares over the operator rounds, %,d pipelines at the end);"
            + " peak RSS %d MiB against the chart's %d MiB limit.%n",
        heapSlopePer1000(real), real.resyncPipelines(), lastOperator(real).rssMiB(), real.chart().limitMiB()));
    out.append("\nThe operator's heap after its last round, by class (top of `jcmd GC.class_histogram`):\n\n```\n")
        .append(real.heapHistogram()).append("\n```\n\n");
    out.append(String.format(Locale.ROOT, "JVM start to first reconcile (real API server, first init Job seen): %d ms.%n", real.startToFirstReconcileMs()));
    out.append(String.format(Locale.ROOT, "Full resync (a restarted operator reconciles all %,d unchanged pipelines, %.1f s): %d writes.%n%n",
        real.resyncPipelines(), real.resyncSeconds(), real.resyncWrites()));
    out.append("Every round (a failure is a pipeline without its Job in time, or a floor request that failed):\n\n");
    out.append("| who | pipelines | round | p50 ms | p99 ms | max ms | pipelines/s | reads/pipeline | writes/pipeline | heap MiB (after GC) | heap committed MiB | peak RSS MiB | failures |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Round r : real.rounds()) {
      out.append(String.format(Locale.ROOT, "| %s | %,d | %d | %.0f | %.0f | %.0f | %.1f | %.2f | %.2f | %s | %s | %s | %d |%n",
          r.who().name().toLowerCase(Locale.ROOT), r.pipelines(), r.rep(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.pipelinesPerSecond(),
          r.readsPerPipeline(), r.writesPerPipeline(), r.heapMiB() < 0 ? "" : r.heapMiB(), r.heapCommittedMiB() < 0 ? "" : r.heapCommittedMiB(),
          r.rssMiB() < 0 ? "" : r.rssMiB(), r.failures()));
    }
    out.append('\n');
  }

  /** What each party's CPU spent per pipeline: on two shared cores, what the API server can still serve. */
  private static void cpu(StringBuilder out, RealApiBench.Result real) {
    out.append("\nCPU per pipeline (ms, /proc user + system over the round, means of the rounds): etcd and the API server; the operator's")
        .append(" JVM; the benchmark's JVM (the 8 creators and the Job watch, in floor rounds also the floor client):\n\n");
    out.append("| pipelines | API server + etcd op / floor | operator JVM | benchmark JVM op / floor |\n|---:|---:|---:|---:|\n");
    for (int n : sizes(real)) {
      List<Round> op = of(real, Who.OPERATOR, n);
      List<Round> floor = of(real, Who.FLOOR, n);
      out.append(String.format(Locale.ROOT, "| %,d | %.1f / %.1f | %.1f | %.1f / %.1f |%n", n,
          mean(op, r -> r.cpu().controlPlaneMs()), mean(floor, r -> r.cpu().controlPlaneMs()), mean(op, r -> r.cpu().operatorMs()),
          mean(op, r -> r.cpu().benchMs()), mean(floor, r -> r.cpu().benchMs())));
    }
  }

  /** Each kind of request per pipeline and the API server's mean time on it, at 1,000 pipelines (or the largest size). */
  private static void requests(StringBuilder out, RealApiBench.Result real) {
    List<Integer> sizes = sizes(real);
    int n = sizes.contains(1000) ? 1000 : sizes.get(sizes.size() - 1);
    Map<String, double[]> rows = new TreeMap<>();
    double[] totals = new double[4];
    for (Who who : Who.values()) {
      List<Round> rounds = of(real, who, n);
      int column = who == Who.OPERATOR ? 0 : 2;
      for (Round r : rounds) {
        r.requests().forEach((kind, k) -> {
          double[] row = rows.computeIfAbsent(kind, x -> new double[4]);
          row[column] += (double) k.count() / n / rounds.size();
          row[column + 1] += k.serverMs() / n / rounds.size();
        });
      }
    }
    out.append(String.format(Locale.ROOT, "%nRequests per pipeline at %,d pipelines, by kind, and the API server's time on them (ms per pipeline,"
        + " received to response complete, audit log; means of the rounds):%n%n", n));
    out.append("| request | operator per pipeline | operator ms | floor per pipeline | floor ms |\n|---|---:|---:|---:|---:|\n");
    rows.forEach((kind, row) -> {
      // The informers' start lists: one per namespace, not per pipeline (in the totals, not shown).
      if (row[0] >= 0.005 || row[2] >= 0.005) {
        out.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f | %.2f | %.1f |%n", kind, row[0], row[1], row[2], row[3]));
      }
      for (int i = 0; i < 4; i++) {
        totals[i] += row[i];
      }
    });
    out.append(String.format(Locale.ROOT, "| all | %.2f | %.1f | %.2f | %.1f |%n", totals[0], totals[1], totals[2], totals[3]));
  }

  /** The control-plane keys, merged into the flat object the data-plane benchmark also writes to. */
  static void mergeJson(Path file, RealApiBench.Result real) throws IOException {
    if (real == null) {
      return;
    }
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("floor_ratio_p50_1000", orNull(ratio(real, 1000, Round::p50Ms)));
    all.put("floor_ratio_p99_1000", orNull(ratio(real, 1000, Round::p99Ms)));
    all.put("floor_ratio_pipelines_per_s_1000", orNull(ratio(real, 1000, Round::pipelinesPerSecond)));
    int largest = sizes(real).get(sizes(real).size() - 1);
    all.put("reads_per_pipeline", orNull(mean(of(real, Who.OPERATOR, largest), Round::readsPerPipeline)));
    all.put("writes_per_pipeline", orNull(mean(of(real, Who.OPERATOR, largest), Round::writesPerPipeline)));
    all.put("resync_writes", real.resyncWrites());
    List<Round> tenThousand = of(real, Who.OPERATOR, 10000);
    all.put("operator_heap_mib_10000", tenThousand.isEmpty() ? null : tenThousand.get(0).heapMiB());
    all.put("operator_rss_mib_10000", tenThousand.isEmpty() ? null : tenThousand.get(0).rssMiB());
    all.put("operator_heap_mib_per_1000_pipelines", orNull(heapSlopePer1000(real)));
    all.put("operator_start_to_first_reconcile_ms", real.startToFirstReconcileMs());
    merge(file, all);
  }

  /**
   * Puts {@code keys} into the flat JSON object in {@code file} (made when missing), keeping every other key as it
   * is: each benchmark owns its keys. {@code source_sessions_per_min_1000} is make bench-slots' and stays null until it runs.
   */
  static void merge(Path file, Map<String, Object> keys) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Map<String, Object> all = Files.exists(file) ? json.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {}) : new LinkedHashMap<>();
    all.putAll(keys);
    all.putIfAbsent("source_sessions_per_min_1000", null);
    json.writeValue(file.toFile(), all);
  }

  private static Object orNull(double value) {
    return Double.isNaN(value) ? null : Math.round(value * 1000) / 1000.0;
  }

  static List<Integer> sizes(RealApiBench.Result real) {
    return real.rounds().stream().map(Round::pipelines).distinct().toList();
  }

  static List<Round> of(RealApiBench.Result real, Who who, int n) {
    return real.rounds().stream().filter(r -> r.who() == who && r.pipelines() == n).toList();
  }

  static double mean(List<Round> rounds, ToDoubleFunction<Round> f) {
    OptionalDouble m = rounds.stream().mapToDouble(f).average();
    return m.orElse(Double.NaN);
  }

  static double ratio(RealApiBench.Result real, int n, ToDoubleFunction<Round> f) {
    return mean(of(real, Who.OPERATOR, n), f) / mean(of(real, Who.FLOOR, n), f);
  }

  private static Round lastOperator(RealApiBench.Result real) {
    List<Round> op = real.rounds().stream().filter(r -> r.who() == Who.OPERATOR).toList();
    return op.get(op.size() - 1);
  }

  /** Heap after GC against the pipelines the operator holds after each of its rounds (1 before the first: op-start). */
  private static double heapSlopePer1000(RealApiBench.Result real) {
    List<double[]> points = new ArrayList<>();
    long held = 1;
    for (Round r : real.rounds()) {
      if (r.who() == Who.OPERATOR) {
        held += r.pipelines();
        points.add(new double[] {held, r.heapMiB()});
      }
    }
    double mx = points.stream().mapToDouble(p -> p[0]).average().orElse(0);
    double my = points.stream().mapToDouble(p -> p[1]).average().orElse(0);
    double sxy = points.stream().mapToDouble(p -> (p[0] - mx) * (p[1] - my)).sum();
    double sxx = points.stream().mapToDouble(p -> (p[0] - mx) * (p[0] - mx)).sum();
    return sxx == 0 ? Double.NaN : sxy / sxx * 1000;
  }

  /** The library's version, from the name of the jar it was loaded from (their manifests carry none). */
  static String version(String className) {
    try {
      String jar = Path.of(Class.forName(className).getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
      return jar.replaceAll("^.*?-(\\d[^-]*(?:-[A-Za-z0-9.]+)?)\\.jar$", "$1");
    } catch (ReflectiveOperationException | java.net.URISyntaxException | RuntimeException e) {
      return "?";
    }
  }

  static String cpu() throws IOException {
    return Files.readString(Path.of("/proc/cpuinfo")).lines().filter(l -> l.startsWith("model name")).findFirst().orElse("cpu unknown").replaceAll(".*: ", "");
  }

  static long memTotalMiB() throws IOException {
    return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
        .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).orElse(-1L);
  }
}
