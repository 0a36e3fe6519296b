package io.pgstream.operator.bench;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.credentials.ReferableSecrets;
import io.pgstream.operator.support.Pipelines;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * `make bench`: the real operator against the Fabric8 mock API server (CRUD mode, in this JVM) with
 * 1, 100 and 1,000 pipelines, then, under bench/control-plane.sh, against a real kube-apiserver and
 * etcd beside the floor client ({@link RealApiBench}). Measures create-to-children latency, API
 * requests per pipeline, writes during a full resync of unchanged pipelines, memory, and JVM start to
 * first reconcile. Pipelines skip the database checks (only the Kubernetes side is measured).
 */
public final class OperatorBench {
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");
  private static final String AGENT = "pgstream-operator-bench";

  record Round(int pipelines, double p50Ms, double p99Ms, double maxMs, double writesPerPipeline, double readsPerPipeline,
      long resyncWrites, long heapMiB, long rssMiB) {}

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    Long firstReconcileMs = null;
    List<Round> rounds = new ArrayList<>();
    for (int n : sizes("BENCH_MOCK_SIZES", "1,100,1000")) {
      Object[] result = round(n);
      rounds.add((Round) result[0]);
      if (firstReconcileMs == null) {
        firstReconcileMs = ((Instant) result[1]).toEpochMilli() - jvmStart;
      }
      System.out.println(result[0]);
    }
    RealApiBench.Result real = null;
    if (System.getenv("BENCH_WORK") != null) {
      BenchReport.ChartMemory chart = BenchReport.ChartMemory.ofDeploy();
      String override = System.getenv("BENCH_OPERATOR_JVM");
      List<String> jvm = override == null ? chart.jvmOptions() : List.of(override.trim().split("\\s+"));
      real = new RealApiBench(chart, jvm).run(sizes("BENCH_SIZES", "1,100,1000,10000"));
    }
    Path dir = Path.of(System.getenv().getOrDefault("BENCH_OUT", "results"));
    Files.createDirectories(dir);
    String report = BenchReport.markdown(rounds, firstReconcileMs, real);
    Files.writeString(dir.resolve("bench.md"), report);
    BenchReport.mergeJson(dir.resolve("bench.json"), real);
    if (real != null) {
      LatencyPlot.write(real.rounds(), dir.resolve("bench-latency.png"));
    }
    System.out.println(report);
    // Timing is never judged here; a pipeline without its Job, a failed floor request or a resync that wrote is.
    boolean complete = real == null || (real.resyncWrites() == 0 && real.rounds().stream().allMatch(r -> r.failures() == 0));
    System.exit(complete ? 0 : 1);
  }

  private static List<Integer> sizes(String variable, String defaults) {
    String value = System.getenv().getOrDefault(variable, defaults).trim();
    return value.isEmpty() ? List.of() : java.util.Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
  }

  /** The logins every pipeline of a round shares, offered to pipelines (watched by the operator) as a multi-tenant install has them. */
  static List<Secret> loginSecrets() {
    List<Secret> secrets = Pipelines.secretsFor("bench");
    secrets.forEach(s -> s.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true")));
    return secrets;
  }

  /** The 1, 5 and 15 minute load averages, printed with the results: the machine is shared. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static Object[] round(int n) throws Exception {
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.expectCustomResource(CustomResourceDefinitionContext.fromCustomResourceType(PgstreamPipeline.class));
    server.init();
    try (KubernetesClient client = server.createClient();
        KubernetesClient operatorClient =
            new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build()).build()) {
      Map<String, Instant> created = new ConcurrentHashMap<>();
      Map<String, Instant> jobSeen = new ConcurrentHashMap<>();
      client.batch().v1().jobs().inAnyNamespace().watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Job job) {
          if (action == Action.ADDED) {
            jobSeen.putIfAbsent(job.getMetadata().getLabels().get("app.kubernetes.io/instance"), Instant.now());
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      });
      Operator operator = PgstreamOperator.create(operatorClient, OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS));
      operator.start();
      drain(server);
      loginSecrets().forEach(s -> client.resource(s).create());
      for (int i = 0; i < n; i++) {
        PgstreamPipeline p = RealApiBench.pipeline("p" + i);
        created.put("p" + i, Instant.now());
        client.resource(p).create();
      }
      Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
      while (jobSeen.size() < n && Instant.now().isBefore(deadline)) {
        Thread.sleep(50);
      }
      Thread.sleep(2000); // let the status writes of the last reconciles land
      List<RecordedRequest> creation = drain(server);
      long writes = creation.stream().filter(r -> isOperator(r) && !r.getMethod().equals("GET")).count();
      long reads = creation.stream().filter(r -> isOperator(r) && r.getMethod().equals("GET")).count();

      List<Double> latencies = new ArrayList<>();
      created.forEach((name, t) -> {
        Instant seen = jobSeen.get(name);
        if (seen != null) {
          latencies.add((double) Duration.between(t, seen).toNanos() / 1_000_000);
        }
      });
      Collections.sort(latencies);
      Instant firstReconcile = jobSeen.values().stream().min(Instant::compareTo).orElse(Instant.now());

      System.gc();
      long heap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / (1024 * 1024);
      long rss = rssMiB();

      // A full resync: a restarted operator reconciles every unchanged pipeline; it should write nothing.
      operator.stop();
      drain(server);
      Operator again = PgstreamOperator.create(operatorClient, OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS));
      again.start();
      Thread.sleep(Math.max(3000, n * 10L));
      long resyncWrites = drain(server).stream().filter(r -> isOperator(r) && !r.getMethod().equals("GET")).count();
      again.stop();

      Round round =
          new Round(n, percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100),
              (double) writes / n, (double) reads / n, resyncWrites, heap, rss);
      return new Object[] {round, firstReconcile};
    } finally {
      server.destroy();
    }
  }

  private static boolean isOperator(RecordedRequest r) {
    String agent = r.getHeader("User-Agent");
    return agent != null && agent.startsWith(AGENT);
  }

  private static List<RecordedRequest> drain(KubernetesMockServer server) throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    for (RecordedRequest r = server.takeRequest(20, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(20, TimeUnit.MILLISECONDS)) {
      out.add(r);
    }
    return out;
  }

  static double percentile(List<Double> sorted, int p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static long rssMiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
