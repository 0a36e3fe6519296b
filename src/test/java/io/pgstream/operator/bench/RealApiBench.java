package io.pgstream.operator.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PreflightPolicy;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.support.Pipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The operator and the floor ({@link FloorClient}) against a real kube-apiserver and etcd
 * (bench/control-plane.sh), interleaved: for each size an operator round and a floor round, and for
 * sizes up to 1,000 a second pair in the other order, so that the noise of a shared machine falls on
 * both. Each round has namespaces of its own; requests are counted from the API server's audit log.
 */
final class RealApiBench {
  static final String OPERATOR_USER = "bench-operator";
  static final String FLOOR_USER = "bench-floor";
  private static final int CREATORS = 8;
  private static final int HTTP_PORT = Integer.getInteger("bench.operatorHttpPort", 18089);

  enum Who { OPERATOR, FLOOR }

  record Round(Who who, int pipelines, int rep, double p50Ms, double p99Ms, double maxMs, double pipelinesPerSecond,
      double readsPerPipeline, double writesPerPipeline, long heapMiB, long heapCommittedMiB, long rssMiB, long failures,
      Cpu cpu, Map<String, AuditCounts.Kind> requests) {}

  /**
   * CPU milliseconds per pipeline over a round: etcd and the API server, the operator's JVM (NaN in a
   * floor round), and the benchmark's JVM (the creators and the Job watch, and in a floor round the floor).
   */
  record Cpu(double controlPlaneMs, double operatorMs, double benchMs) {}

  /** CPU seconds so far of the three parties; {@code operator} null in a floor round. */
  private record CpuMark(double controlPlane, double operator, double bench) {
    static CpuMark now(Path work, OperatorProcess operator) {
      return new CpuMark(CpuTime.controlPlaneSeconds(work), operator == null ? Double.NaN : operator.cpuSeconds(), CpuTime.ownSeconds());
    }

    Cpu perPipelineSince(CpuMark start, int n) {
      return new Cpu((controlPlane - start.controlPlane) * 1000 / n, (operator - start.operator) * 1000 / n, (bench - start.bench) * 1000 / n);
    }
  }

  record Result(List<Round> rounds, long startToFirstReconcileMs, long resyncWrites, double resyncSeconds,
      long resyncPipelines, List<String> operatorJvm, BenchReport.ChartMemory chart, String heapHistogram, String loadBefore,
      String loadAfter) {}

  private final Path work = Path.of(System.getenv("BENCH_WORK"));
  private final BenchReport.ChartMemory chart;
  private final List<String> operatorJvm;
  private final KubernetesClient admin = new KubernetesClientBuilder().build();
  private final Map<String, Instant> jobSeen = new ConcurrentHashMap<>();

  RealApiBench(BenchReport.ChartMemory chart, List<String> operatorJvm) {
    this.chart = chart;
    this.operatorJvm = operatorJvm;
  }

  Result run(List<Integer> sizes) throws Exception {
    String loadBefore = OperatorBench.loadAverage();
    record Planned(Who who, int n, int rep) {
      String namespace() {
        return (who == Who.OPERATOR ? "op" : "fl") + "-n" + n + "-r" + rep;
      }
    }
    List<Planned> plan = new ArrayList<>();
    for (int n : sizes) {
      plan.add(new Planned(Who.OPERATOR, n, 0));
      plan.add(new Planned(Who.FLOOR, n, 0));
      if (n <= 1000) {
        plan.add(new Planned(Who.FLOOR, n, 1));
        plan.add(new Planned(Who.OPERATOR, n, 1));
      }
    }
    List<String> operatorNamespaces = new ArrayList<>(List.of("op-start"));
    plan.stream().filter(r -> r.who() == Who.OPERATOR).map(Planned::namespace).forEach(operatorNamespaces::add);
    for (String ns : operatorNamespaces) {
      namespace(ns);
    }
    plan.stream().filter(r -> r.who() == Who.FLOOR).map(Planned::namespace).forEach(this::namespace);

    Watch jobs = admin.batch().v1().jobs().inAnyNamespace().watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Job job) {
        if (action == Action.ADDED) {
          jobSeen.putIfAbsent(job.getMetadata().getNamespace() + "/" + job.getMetadata().getLabels().get(Children.INSTANCE_LABEL), Instant.now());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    List<Round> rounds = new ArrayList<>();
    String heapHistogram = "";
    long startToFirst;
    long resyncWrites;
    double resyncSeconds;
    long total = 1;
    Path log = work.resolve("operator.log");
    OperatorProcess operator = OperatorProcess.start(work.resolve("operator.kubeconfig"), operatorNamespaces, HTTP_PORT, operatorJvm, log);
    try {
      Instant created = Instant.now();
      admin.resource(pipeline("op-start", 0)).create();
      awaitJobs("op-start", 1, Duration.ofMinutes(2));
      startToFirst = Duration.between(operator.started, jobSeen.get("op-start/" + name(0))).toMillis();
      System.out.printf("operator JVM start to first init Job: %d ms (pipeline created %d ms after the start)%n",
          startToFirst, Duration.between(operator.started, created).toMillis());
      FloorClient.Templates templates = null;
      Planned lastOperatorRound = plan.stream().filter(r -> r.who() == Who.OPERATOR).reduce((a, b) -> b).orElseThrow();
      for (Planned r : plan) {
        if (r.who() == Who.OPERATOR) {
          Round round = operatorRound(operator, r.namespace(), r.n(), r.rep());
          total += r.n();
          rounds.add(round);
          if (templates == null) {
            templates = templates(r.namespace());
          }
          if (r == lastOperatorRound) {
            heapHistogram = operator.heapHistogram(25);
          }
        } else {
          rounds.add(floorRound(templates, r.namespace(), r.n(), r.rep()));
        }
        System.out.println(rounds.get(rounds.size() - 1) + " load " + OperatorBench.loadAverage());
      }
    } finally {
      operator.close();
    }
    // A full resync: a restarted operator reconciles every unchanged pipeline and should write nothing.
    long writesBefore = AuditCounts.writesBy(work, OPERATOR_USER);
    Instant restart = Instant.now();
    try (OperatorProcess again = OperatorProcess.start(work.resolve("operator.kubeconfig"), operatorNamespaces, HTTP_PORT, operatorJvm, log)) {
      Instant deadline = restart.plus(Duration.ofSeconds(120 + total / 10));
      while (again.reconciles() < total && Instant.now().isBefore(deadline)) {
        Thread.sleep(500);
      }
      resyncSeconds = Duration.between(restart, Instant.now()).toMillis() / 1000.0;
      Thread.sleep(5000); // writes the last reconciles might still send
      resyncWrites = AuditCounts.writesBy(work, OPERATOR_USER) - writesBefore;
      System.out.printf("full resync of %d pipelines: %.0f reconciles in %.1f s, %d writes%n", total, again.reconciles(), resyncSeconds, resyncWrites);
    }
    jobs.close();
    return new Result(rounds, startToFirst, resyncWrites, resyncSeconds, total, operatorJvm, chart, heapHistogram, loadBefore, OperatorBench.loadAverage());
  }

  private Round operatorRound(OperatorProcess operator, String namespace, int n, int rep) throws Exception {
    CpuMark start = CpuMark.now(work, operator);
    Map<String, Instant> created = create(namespace, n);
    awaitJobs(namespace, n, timeout(n));
    Thread.sleep(3000); // the status writes and Events of the last reconciles
    Cpu cpu = CpuMark.now(work, operator).perPipelineSince(start, n);
    AuditCounts counts = AuditCounts.of(work, OPERATOR_USER, namespace);
    long rss = operator.rssMiB();
    long[] heap = operator.heapAfterGcMiB();
    return round(Who.OPERATOR, namespace, n, rep, created, counts, heap[0], heap[1], rss, 0, cpu);
  }

  private Round floorRound(FloorClient.Templates templates, String namespace, int n, int rep) throws Exception {
    Config config = Config.fromKubeconfig(Files.readString(work.resolve("floor.kubeconfig")));
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        FloorClient floor = new FloorClient(client, templates)) {
      floor.watch(namespace);
      CpuMark start = CpuMark.now(work, null);
      Map<String, Instant> created = create(namespace, n);
      awaitJobs(namespace, n, timeout(n));
      Thread.sleep(3000);
      Cpu cpu = CpuMark.now(work, null).perPipelineSince(start, n);
      AuditCounts counts = AuditCounts.of(work, FLOOR_USER, namespace);
      return round(Who.FLOOR, namespace, n, rep, created, counts, -1, -1, -1, floor.failures(), cpu);
    }
  }

  private Round round(Who who, String namespace, int n, int rep, Map<String, Instant> created, AuditCounts counts, long heap,
      long committed, long rss, long failures, Cpu cpu) {
    List<Double> latencies = new ArrayList<>();
    Instant first = Collections.min(created.values());
    Instant last = first;
    for (Map.Entry<String, Instant> e : created.entrySet()) {
      Instant seen = jobSeen.get(namespace + "/" + e.getKey());
      if (seen != null) {
        latencies.add(Duration.between(e.getValue(), seen).toNanos() / 1e6);
        last = seen.isAfter(last) ? seen : last;
      }
    }
    Collections.sort(latencies);
    double seconds = Duration.between(first, last).toNanos() / 1e9;
    return new Round(who, n, rep, OperatorBench.percentile(latencies, 50), OperatorBench.percentile(latencies, 99),
        OperatorBench.percentile(latencies, 100), latencies.size() / Math.max(seconds, 1e-3),
        (double) counts.reads() / n, (double) counts.writes() / n, heap, committed, rss, failures + (n - latencies.size()), cpu,
        counts.kinds());
  }

  /** Creates the pipelines from a few threads, as fast as the API server takes them; when each create was sent. */
  private Map<String, Instant> create(String namespace, int n) throws InterruptedException {
    Map<String, Instant> created = new ConcurrentHashMap<>();
    ExecutorService creators = Executors.newFixedThreadPool(CREATORS);
    for (int i = 0; i < n; i++) {
      int index = i;
      creators.submit(() -> {
        PgstreamPipeline p = pipeline(namespace, index);
        created.put(p.getMetadata().getName(), Instant.now());
        admin.resource(p).create();
      });
    }
    creators.shutdown();
    creators.awaitTermination(1, TimeUnit.HOURS);
    return created;
  }

  private void awaitJobs(String namespace, int n, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (jobSeen.keySet().stream().filter(k -> k.startsWith(namespace + "/")).count() < n && Instant.now().isBefore(deadline)) {
      Thread.sleep(100);
    }
  }

  private static Duration timeout(int n) {
    return Duration.ofSeconds(120 + n / 10);
  }

  /** The children the operator made for the first pipeline of a round, for the floor to copy. */
  private FloorClient.Templates templates(String namespace) {
    PgstreamPipeline p = admin.resources(PgstreamPipeline.class).inNamespace(namespace).withName(name(0)).get();
    return new FloorClient.Templates(
        name(0),
        admin.configMaps().inNamespace(namespace).withName(Children.configMap(p)).get(),
        admin.secrets().inNamespace(namespace).withName(Children.credentialsSecret(p)).get(),
        admin.batch().v1().jobs().inNamespace(namespace).withName(Children.job(p, Step.INIT)).get(),
        p);
  }

  private void namespace(String name) {
    admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).serverSideApply();
    for (Secret s : OperatorBench.loginSecrets()) {
      s.getMetadata().setNamespace(name);
      admin.resource(s).serverSideApply();
    }
  }

  /** Same length for every index, so the floor's renamed copies are as large as the operator's objects. */
  static String name(int index) {
    return String.format("pipe-%05d", index);
  }

  static PgstreamPipeline pipeline(String namespace, int index) {
    PgstreamPipeline p = pipeline(name(index));
    p.getMetadata().setNamespace(namespace);
    return p;
  }

  /** A streaming pipeline whose checks are off, logging in with the bench's shared login Secrets. */
  static PgstreamPipeline pipeline(String name) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication(name);
    p.getSpec().mode = PipelineMode.REPLICATION;
    p.getSpec().preflight = PreflightPolicy.Skip;
    p.getSpec().source.username.secretKeyRef.name = "bench-source";
    p.getSpec().source.password.secretKeyRef.name = "bench-source";
    p.getSpec().target.username.secretKeyRef.name = "bench-target";
    p.getSpec().target.password.secretKeyRef.name = "bench-target";
    return p;
  }
}
