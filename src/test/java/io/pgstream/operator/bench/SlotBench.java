package io.pgstream.operator.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.support.Conditions;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * `make bench-slots` (bench/slots.sh): the slot watch's cost on the sources with the database checks on. The
 * operator runs in its own JVM against a real API server; pipelines (mode replication, preflight enforced, one
 * pair of credentials Secrets each, as users write them) are brought to Streaming by playing pgstream init (the
 * slot, under the name the operator renders) and the Job and Deployment controllers ({@link FakeKubelet}). Over a
 * steady-state window, the sessions each source database saw (pg_stat_database.sessions, read as superuser from
 * the postgres database, so the reads count nowhere) and the statements run in them (pg_stat_statements) are
 * recorded. Then server B hangs (SIGSTOP) while new pipelines are created on A: their create-to-init-Job latency
 * against batches created with B answering, interleaved.
 */
public final class SlotBench {
  private static final Pattern LAST_CHECK =
      Pattern.compile("(?m)^pgstream_replication_slot_last_check_timestamp_seconds\\{([^}]*)} ([0-9.E+]+)");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final int CREATORS = 8;

  /** A source database of a round: on server A or B, with {@code pipelines} reading it. */
  record Source(String server, String database, int pipelines) {}

  /** The sessions one source database saw over the window, and its pipelines. */
  record Sessions(String server, String database, int pipelines, long sessions) {}

  /** What the watch's login ran in a window: server, database, calls, query. */
  record Query(String server, String database, long calls, String query) {}

  /**
   * @param rampChecks the slot checks (calls of the watch's query) in the round's source databases from its first
   *     create until every pipeline of it streamed
   */
  record Window(String round, int pipelines, int servers, double seconds, List<Sessions> sessions, List<Query> queries, String loadBefore,
      String loadAfter, long rampChecks, double rampSeconds) {
    /** The sessions of this round's own source databases. */
    long roundSessions(List<Source> sources) {
      return sessions.stream().filter(s -> sources.stream().anyMatch(o -> o.server().equals(s.server()) && o.database().equals(s.database())))
          .mapToLong(Sessions::sessions).sum();
    }
  }

  record Round(String name, List<Source> sources) {
    int pipelines() {
      return sources.stream().mapToInt(Source::pipelines).sum();
    }

    String namespace() {
      return "slots-" + name;
    }
  }

  /** A restarted operator's resync of every streaming pipeline: the checks and sessions it cost each source database. */
  record Resync(int pipelines, double seconds, List<Sessions> sessions, Map<String, Long> checks, String load) {}

  /** @param reconciles the reconciles the operator started from the batch's first create until its last Job */
  record Batch(String label, boolean hung, List<Double> latenciesMs, int missing, String load, double reconciles) {}

  record Hang(List<Batch> batches, Map<String, Long> hungConditions, String hungMessage, double maxHealthyAgeS, double maxHungAgeS,
      int healthyChecked, List<String> driverThreads, List<String> stuckReconciles, int dumps, Map<String, Long> afterResume,
      long recoveredAfterS) {}

  private final Path work = Path.of(System.getenv("BENCH_WORK"));
  private final KubernetesClient admin = new KubernetesClientBuilder().build();
  private final FakeKubelet kubelet = new FakeKubelet(admin);
  private final Map<String, TestPostgres> servers;
  private final Map<String, Connection> statsReaders = new TreeMap<>();
  private final Map<String, Connection> slotMakers = new ConcurrentHashMap<>();
  /** namespace/name to the source database it reads, for the pipelines whose init and Deployment are played. */
  private final Map<String, Source> played = new ConcurrentHashMap<>();
  private final Set<String> playedNamespaces = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> jobSeen = new ConcurrentHashMap<>();
  private final Duration interval;
  private final Duration window = Duration.ofSeconds(Long.parseLong(env("SLOTS_WINDOW_SECONDS", "120")));
  /** Requests of the player that failed (retried on its next pass), and the last one's error. */
  private final java.util.concurrent.atomic.AtomicInteger playerErrors = new java.util.concurrent.atomic.AtomicInteger();
  private volatile String playerError;

  private SlotBench(Duration interval) {
    this.interval = interval;
    this.servers = new TreeMap<>(Map.of(
        "A", TestPostgres.external(Integer.parseInt(env("SLOTS_PG_A_PORT", "5490")), env("PGPASSWORD", "postgres")),
        "B", TestPostgres.external(Integer.parseInt(env("SLOTS_PG_B_PORT", "5491")), env("PGPASSWORD", "postgres"))));
  }

  public static void main(String[] args) throws Exception {
    String seconds = System.getenv("SLOTS_SLOT_CHECK_SECONDS");
    Duration interval = seconds == null ? OperatorSettings.DEFAULT_SLOT_CHECK_INTERVAL : Duration.ofSeconds(Long.parseLong(seconds));
    int exit = new SlotBench(interval).run(seconds == null ? List.of() : List.of("--slot-check-interval=" + seconds));
    System.exit(exit);
  }

  private int run(List<String> flags) throws Exception {
    List<Round> rounds = new ArrayList<>();
    for (String n : env("SLOTS_SIZES", "100,1000").split(",")) {
      if (!n.isBlank()) {
        int size = Integer.parseInt(n.trim());
        rounds.add(new Round("one-" + size, List.of(new Source("A", "src_one_" + size, size))));
      }
    }
    int two = Integer.parseInt(env("SLOTS_TWO_SERVERS", "1000"));
    if (two > 0) {
      rounds.add(new Round("two-" + two, List.of(new Source("A", "src_two_a", two / 2), new Source("B", "src_two_b", two - two / 2))));
    }
    int hangPipelines = Integer.parseInt(env("SLOTS_HANG_PIPELINES", "50"));
    Source hangSource = new Source("A", "src_hang", hangPipelines * 2);
    String loadBefore = OperatorBench.loadAverage();
    prepareServers(rounds, hangSource);
    List<String> namespaces = new ArrayList<>(rounds.stream().map(Round::namespace).toList());
    namespaces.add("slots-hang");
    namespaces.forEach(this::namespace);

    List<String> jvm = BenchReport.ChartMemory.ofDeploy().jvmOptions();
    int httpPort = Integer.parseInt(env("SLOTS_OPERATOR_HTTP_PORT", "18095"));
    List<Window> windows = new ArrayList<>();
    Hang hang = null;
    List<String> problems = new ArrayList<>();
    ExecutorService player = Executors.newSingleThreadExecutor();
    Watch jobs = admin.batch().v1().jobs().inNamespace("slots-hang").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Job job) {
        if (action == Action.ADDED) {
          jobSeen.putIfAbsent(job.getMetadata().getLabels().get(Children.INSTANCE_LABEL), Instant.now());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    Resync resync = null;
    Path log = work.resolve("operator.log");
    OperatorProcess operator = OperatorProcess.start(work.resolve("operator.kubeconfig"), namespaces, httpPort, jvm, flags, log);
    try {
      player.submit(this::play);
      for (Round round : rounds) {
        Instant start = Instant.now();
        resetStatements();
        create(round);
        awaitStreaming(round, Duration.ofSeconds(300 + round.pipelines() * 3L / 5));
        double rampSeconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        long rampChecks = slotChecks().entrySet().stream()
            .filter(e -> round.sources().stream().anyMatch(x -> (x.server() + "/" + x.database()).equals(e.getKey()))).mapToLong(Map.Entry::getValue).sum();
        System.out.printf("%s: %d pipelines streaming %.0f s after the first create (%d slot checks meanwhile); load %s%n", round.name(),
            round.pipelines(), rampSeconds, rampChecks, OperatorBench.loadAverage());
        Window w = measure(round, rampChecks, rampSeconds);
        windows.add(w);
        System.out.println(w);
        int streaming = streaming(round);
        if (streaming != round.pipelines()) {
          problems.add("%s: %d of %d pipelines streaming at the end of the window".formatted(round.name(), streaming, round.pipelines()));
        }
        for (Source s : round.sources()) {
          long seen = w.sessions().stream().filter(x -> x.server().equals(s.server()) && x.database().equals(s.database())).mapToLong(Sessions::sessions).sum();
          long most = maxSessionsPerGroup();
          if (seen == 0 || seen > most) {
            problems.add("%s: %d sessions in %s/%s over %.0f s, expected 1 to %d (one per slot-check interval of %d s)"
                .formatted(round.name(), seen, s.server(), s.database(), w.seconds(), most, interval.toSeconds()));
          }
        }
      }
      if (!env("SLOTS_RESYNC", "1").equals("0")) {
        operator.close();
        resetStatements();
        Map<String, Long> before = sessions();
        Instant restart = Instant.now();
        operator = OperatorProcess.start(work.resolve("operator.kubeconfig"), namespaces, httpPort, jvm, flags, log);
        int total = rounds.stream().mapToInt(Round::pipelines).sum();
        Instant deadline = restart.plusSeconds(300 + total / 5);
        while (operator.reconciles() < total && Instant.now().isBefore(deadline)) {
          Thread.sleep(500);
        }
        Thread.sleep(10_000); // the first readings the last registrations asked for
        double seconds = Duration.between(restart, Instant.now()).toMillis() / 1000.0;
        resync = new Resync(total, seconds, delta(before, sessions()), slotChecks(), OperatorBench.loadAverage());
        System.out.println(resync);
      }
      if (hangPipelines > 0 && rounds.stream().anyMatch(r -> r.sources().stream().anyMatch(s -> s.server().equals("B")))) {
        hang = hang(operator, rounds, hangSource, hangPipelines);
        hang.batches().stream().filter(b -> b.missing() > 0)
            .forEach(b -> problems.add("%s: %d pipelines got no init Job within 120 s".formatted(b.label(), b.missing())));
        if (!hang.stuckReconciles().isEmpty()) {
          problems.add("reconcile threads stuck in a database call during the hang: " + hang.stuckReconciles());
        }
      }
    } finally {
      operator.close();
      player.shutdownNow();
      jobs.close();
    }
    if (playerError != null) {
      System.out.printf("FakeKubelet: %d failed requests, the last: %s%n", playerErrors.get(), playerError);
    }
    Path dir = Path.of(env("BENCH_OUT", "results"));
    Files.createDirectories(dir);
    String report = SlotReport.markdown(rounds, windows, resync, hang, interval, loadBefore, OperatorBench.loadAverage(), problems);
    Files.writeString(dir.resolve("bench-slots.md"), report);
    BenchReport.merge(dir.resolve("bench.json"), SlotReport.keys(rounds, windows, resync, hang));
    System.out.println(report);
    problems.forEach(p -> System.err.println("FAILED: " + p));
    return problems.isEmpty() ? 0 : 1;
  }

  /** The most sessions one server group may see in a window: one per started interval, and the one a first registration asks for. */
  private long maxSessionsPerGroup() {
    return (long) Math.ceil((double) window.toSeconds() / interval.toSeconds()) + 1;
  }

  /** Logins on both servers (the source login a superuser, as pgstream init's event triggers need), a database per source, the target on A. */
  private void prepareServers(List<Round> rounds, Source hangSource) throws SQLException {
    for (Map.Entry<String, TestPostgres> e : servers.entrySet()) {
      TestPostgres pg = e.getValue();
      pg.login(TestDatabases.SOURCE_USER, Pipelines.SOURCE_PASSWORD, "SUPERUSER");
      pg.login(TestDatabases.TARGET_USER, Pipelines.TARGET_PASSWORD, "");
      pg.execute("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      statsReaders.put(e.getKey(), pg.connect("postgres"));
    }
    servers.get("A").database(TestDatabases.TARGET_DB, TestDatabases.TARGET_USER, "SET ROLE " + TestDatabases.TARGET_USER, ORDERS);
    List<Source> sources = new ArrayList<>();
    rounds.forEach(r -> sources.addAll(r.sources()));
    sources.add(hangSource);
    for (Source s : sources) {
      servers.get(s.server()).database(s.database(), "postgres", ORDERS);
    }
  }

  private static final String ORDERS = "CREATE TABLE public.orders (id int PRIMARY KEY, total bigint)";

  private void namespace(String name) {
    admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).serverSideApply();
  }

  /** The round's pipelines and their Secrets, created from a few threads; the player brings them to Streaming. */
  private void create(Round round) throws InterruptedException {
    playedNamespaces.add(round.namespace());
    List<Callable<Object>> creates = new ArrayList<>();
    for (Source s : round.sources()) {
      for (int i = 0; i < s.pipelines(); i++) {
        String name = s.server().toLowerCase(Locale.ROOT) + String.format("-%05d", i);
        played.put(round.namespace() + "/" + name, s);
        creates.add(() -> {
          createPipeline(round.namespace(), name, s);
          return null;
        });
      }
    }
    ExecutorService creators = Executors.newFixedThreadPool(CREATORS);
    creators.invokeAll(creates);
    creators.shutdown();
  }

  /** A pipeline from {@code source} to the target database on A, with its own login Secrets. */
  private void createPipeline(String namespace, String name, Source source) {
    for (Secret secret : Pipelines.secretsFor(name)) {
      secret.getMetadata().setNamespace(namespace);
      admin.resource(secret).create();
    }
    PgstreamPipeline p = Pipelines.onServers(name, servers.get(source.server()), source.database(), servers.get("A"), TestDatabases.TARGET_DB);
    p.getMetadata().setNamespace(namespace);
    p.getSpec().mode = PipelineMode.REPLICATION;
    admin.resource(p).create();
  }

  /**
   * The Job controller, pgstream init and the Deployment controller, for the played namespaces: an init Job gets
   * its slot (wal2json, under the operator's name for the pipeline) and succeeds; a Deployment becomes available.
   */
  private void play() {
    ExecutorService hands = Executors.newFixedThreadPool(4);
    try {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          for (var f : hands.invokeAll(chores())) {
            f.get();
          }
        } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
          // A list the API server failed under load, a Deployment replaced meanwhile: played again on the next pass.
          playerErrors.incrementAndGet();
          playerError = String.valueOf(e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e);
        }
        Thread.sleep(500);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      hands.shutdownNow();
    }
  }

  /** One pass: what the init Jobs and Deployments of the played namespaces still need. */
  private List<Callable<Object>> chores() {
    List<Callable<Object>> work = new ArrayList<>();
    for (String ns : playedNamespaces) {
      for (Job job : admin.batch().v1().jobs().inNamespace(ns).list().getItems()) {
        boolean done = job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0;
        String pipeline = job.getMetadata().getLabels().get(Children.INSTANCE_LABEL);
        if (!done && job.getMetadata().getName().endsWith("-init") && played.containsKey(ns + "/" + pipeline)) {
          work.add(() -> {
            createSlot(played.get(ns + "/" + pipeline), ReplicationSlots.defaultName(ns, pipeline));
            kubelet.jobSucceeded(ns, job.getMetadata().getName());
            return null;
          });
        }
      }
      for (Deployment d : admin.apps().deployments().inNamespace(ns).list().getItems()) {
        boolean available = d.getStatus() != null && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas())
            && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration());
        if (!available) {
          work.add(() -> {
            kubelet.deploymentAvailable(ns, d.getMetadata().getName());
            return null;
          });
        }
      }
    }
    return work;
  }

  /** What pgstream init leaves: the logical slot, made over one connection per source database (opened before any window). */
  private void createSlot(Source source, String slot) throws SQLException {
    Connection c = slotMakers.computeIfAbsent(source.server() + "/" + source.database(), k -> {
      try {
        return servers.get(source.server()).connect(source.database());
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    synchronized (c) {
      try (PreparedStatement st = c.prepareStatement(
          "SELECT pg_create_logical_replication_slot(?, 'wal2json') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
        st.setString(1, slot);
        st.setString(2, slot);
        st.executeQuery().close();
      }
    }
  }

  private List<PgstreamPipeline> pipelines(String namespace) {
    return admin.resources(PgstreamPipeline.class).inNamespace(namespace).list().getItems();
  }

  private static boolean streaming(PgstreamPipeline p) {
    return p.getStatus() != null && p.getStatus().phase == Phase.Streaming
        && "True".equals(String.valueOf(Conditions.of(p, ConditionType.Streaming.name())).split("/")[0]);
  }

  private int streaming(Round round) {
    return (int) pipelines(round.namespace()).stream().filter(SlotBench::streaming).count();
  }

  private void awaitStreaming(Round round, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int last = -1;
    while (Instant.now().isBefore(deadline)) {
      int now = streaming(round);
      if (now == round.pipelines()) {
        return;
      }
      if (now != last) {
        System.out.printf("%s: %d of %d streaming; load %s%n", round.name(), now, round.pipelines(), OperatorBench.loadAverage());
        last = now;
      }
      Thread.sleep(2000);
    }
    Map<String, Long> stuck = pipelines(round.namespace()).stream().filter(p -> !streaming(p))
        .collect(Collectors.groupingBy(p -> p.getStatus() == null ? "no status" : p.getStatus().phase + " Ready=" + Conditions.of(p, "Ready"),
            TreeMap::new, Collectors.counting()));
    throw new IllegalStateException(round.name() + ": not all pipelines streaming after " + timeout + ": " + stuck);
  }

  /**
   * Sessions per database over the window, from a settled start: every pipeline of the round streams, and the
   * registrations' first readings are past (one interval after the last pipeline streamed).
   */
  private Window measure(Round round, long rampChecks, double rampSeconds) throws Exception {
    Thread.sleep(Math.min(interval.toMillis(), 15_000));
    String loadBefore = OperatorBench.loadAverage();
    Map<String, Long> before = sessions();
    resetStatements();
    Instant t0 = Instant.now();
    Thread.sleep(window.toMillis());
    Map<String, Long> after = sessions();
    double seconds = Duration.between(t0, Instant.now()).toMillis() / 1000.0;
    return new Window(round.name(), round.pipelines(), (int) round.sources().stream().map(Source::server).distinct().count(), seconds,
        delta(before, after), queries(), loadBefore, OperatorBench.loadAverage(), rampChecks, rampSeconds);
  }

  /** The sessions between two readings of {@link #sessions()}, of the databases that had some or that pipelines read. */
  private List<Sessions> delta(Map<String, Long> before, Map<String, Long> after) {
    List<Sessions> sessions = new ArrayList<>();
    Map<String, Integer> pipelinesPerDb = new LinkedHashMap<>();
    played.forEach((k, s) -> pipelinesPerDb.merge(s.server() + "/" + s.database(), 1, Integer::sum));
    after.forEach((db, n) -> {
      String[] parts = db.split("/");
      long delta = n - before.getOrDefault(db, 0L);
      if (delta > 0 || pipelinesPerDb.containsKey(db)) {
        sessions.add(new Sessions(parts[0], parts[1], pipelinesPerDb.getOrDefault(db, 0), delta));
      }
    });
    return sessions;
  }

  private void resetStatements() throws SQLException {
    for (Connection c : statsReaders.values()) {
      c.createStatement().execute("SELECT pg_stat_statements_reset()");
    }
  }

  /** Calls of the slot watch's query since the last reset, by "server/database". */
  private Map<String, Long> slotChecks() throws SQLException {
    Map<String, Long> out = new TreeMap<>();
    for (Query q : queries()) {
      if (q.query().startsWith("SELECT slot_name, plugin, active")) {
        out.merge(q.server() + "/" + q.database(), q.calls(), Long::sum);
      }
    }
    return out;
  }

  /** pg_stat_database.sessions of every database but postgres and the templates, as "server/database". */
  private Map<String, Long> sessions() throws SQLException {
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, Connection> e : statsReaders.entrySet()) {
      try (ResultSet rs = e.getValue().createStatement().executeQuery(
          "SELECT datname, sessions FROM pg_stat_database WHERE datname IS NOT NULL AND datname NOT IN ('postgres', 'template0', 'template1')")) {
        while (rs.next()) {
          out.put(e.getKey() + "/" + rs.getString(1), rs.getLong(2));
        }
      }
    }
    return out;
  }

  /** The statements the pipelines' logins ran since the reset, with their calls. */
  private List<Query> queries() throws SQLException {
    List<Query> out = new ArrayList<>();
    for (Map.Entry<String, Connection> e : statsReaders.entrySet()) {
      try (ResultSet rs = e.getValue().createStatement().executeQuery(
          "SELECT d.datname, s.calls, regexp_replace(s.query, '\\s+', ' ', 'g') FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
              + " JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname IN ('" + TestDatabases.SOURCE_USER + "', '" + TestDatabases.TARGET_USER
              + "') ORDER BY s.calls DESC, d.datname")) {
        while (rs.next()) {
          out.add(new Query(e.getKey(), rs.getString(1), rs.getLong(2), rs.getString(3)));
        }
      }
    }
    return out;
  }

  /**
   * B hangs (its postmaster and every backend stopped) while new pipelines are created on A, in batches of half the
   * count interleaved with batches created while B answers: answering, hung, hung (after one slot-check interval,
   * when the watch's check of B is certain to be stuck or failed), answering again after B resumes.
   */
  private Hang hang(OperatorProcess operator, List<Round> rounds, Source source, int count) throws Exception {
    int half = count / 2;
    List<Batch> batches = new ArrayList<>();
    batches.add(batch(operator, "answering-1", false, source, 0, half));
    List<Long> pids = serverB();
    signal("STOP", pids);
    Instant stopped = Instant.now();
    HangWatch watch = new HangWatch(operator);
    rounds.forEach(r -> r.sources().forEach(s -> {
      for (int i = 0; i < s.pipelines(); i++) {
        (s.server().equals("B") ? watch.hung : watch.healthy).add(r.namespace() + "/" + s.server().toLowerCase(Locale.ROOT) + String.format("-%05d", i));
      }
    }));
    Map<String, Long> conditions;
    String message;
    String hungNamespace = rounds.stream().filter(r -> r.sources().stream().anyMatch(s -> s.server().equals("B"))).findFirst().orElseThrow().namespace();
    try {
      Thread.sleep(15_000);
      batches.add(batch(operator, "hung-1", true, source, half, half));
      watch.until(stopped.plus(interval).plusSeconds(15));
      batches.add(batch(operator, "hung-2", true, source, 2 * half, half));
      // Until B's pipelines report the failing checks (three in a row), or four intervals.
      Instant deadline = stopped.plus(interval.multipliedBy(4)).plusSeconds(30);
      while (Instant.now().isBefore(deadline) && !allDegraded(hungNamespace, "True/SlotCheckFailed")) {
        watch.until(Instant.now().plusSeconds(10));
      }
      List<PgstreamPipeline> b = pipelines(hungNamespace).stream().filter(p -> p.getMetadata().getName().startsWith("b-")).toList();
      conditions = summary(b);
      message = b.stream().map(p -> Conditions.message(p, ConditionType.Degraded.name())).filter(m -> m != null && !m.equals("No problems"))
          .findFirst().orElse("");
    } finally {
      signal("CONT", pids);
    }
    System.out.printf("B resumed after %d s%n", Duration.between(stopped, Instant.now()).toSeconds());
    Instant resumed = Instant.now();
    batches.add(batch(operator, "answering-2", false, source, 3 * half, half));
    // The breaker lets the next check through one interval after the last failure; the tick after that one succeeds.
    Instant deadline = resumed.plus(interval.multipliedBy(2)).plusSeconds(30);
    while (Instant.now().isBefore(deadline) && !allDegraded(hungNamespace, "False/AsExpected")) {
      Thread.sleep(5000);
    }
    long recoveredS = allDegraded(hungNamespace, "False/AsExpected") ? Duration.between(resumed, Instant.now()).toSeconds() : -1;
    Map<String, Long> after = summary(pipelines(hungNamespace).stream().filter(p -> p.getMetadata().getName().startsWith("b-")).toList());
    return new Hang(batches, conditions, message, watch.ages[0], watch.ages[1], watch.healthy.size(), new ArrayList<>(watch.inDriver),
        new ArrayList<>(watch.stuckReconciles), watch.dumps, after, recoveredS);
  }

  /** Every pipeline of B shows {@code degraded} ("status/reason") as its Degraded condition. */
  private boolean allDegraded(String namespace, String degraded) {
    return pipelines(namespace).stream().filter(p -> p.getMetadata().getName().startsWith("b-"))
        .allMatch(p -> String.valueOf(Conditions.of(p, ConditionType.Degraded.name())).equals(degraded));
  }

  /** Counts of "Degraded=..., Streaming=..., Ready=..." over the pipelines. */
  private static Map<String, Long> summary(List<PgstreamPipeline> pipelines) {
    return pipelines.stream().collect(Collectors.groupingBy(
        p -> "phase " + (p.getStatus() == null ? null : p.getStatus().phase) + ", Degraded " + Conditions.of(p, ConditionType.Degraded.name())
            + ", Streaming " + Conditions.of(p, ConditionType.Streaming.name()) + ", Ready " + Conditions.of(p, ConditionType.Ready.name()),
        TreeMap::new, Collectors.counting()));
  }

  /**
   * Between the hang's batches (when no pipeline on A is being checked), every 5 s: the slot gauges (the oldest
   * reading of a pipeline on A and on B) and a thread dump. A reconcile thread inside a PostgreSQL driver call in two
   * dumps in a row is stuck: the checks of a healthy server take milliseconds.
   */
  private static final class HangWatch {
    final Set<String> healthy = new java.util.HashSet<>();
    final Set<String> hung = new java.util.HashSet<>();
    final double[] ages = {0, 0};
    final Set<String> inDriver = new java.util.TreeSet<>();
    final Set<String> stuckReconciles = new java.util.TreeSet<>();
    int dumps;
    private final OperatorProcess operator;
    private Set<String> reconcilesBefore = Set.of();

    HangWatch(OperatorProcess operator) {
      this.operator = operator;
    }

    void until(Instant until) throws Exception {
      while (Instant.now().isBefore(until)) {
        double now = Instant.now().toEpochMilli() / 1000.0;
        Matcher m = LAST_CHECK.matcher(operator.metrics());
        while (m.find()) {
          Map<String, String> labels = new TreeMap<>();
          Matcher l = LABEL.matcher(m.group(1));
          while (l.find()) {
            labels.put(l.group(1), l.group(2));
          }
          String key = labels.get("namespace") + "/" + labels.get("pipeline");
          double age = now - Double.parseDouble(m.group(2));
          if (healthy.contains(key)) {
            ages[0] = Math.max(ages[0], age);
          } else if (hung.contains(key)) {
            ages[1] = Math.max(ages[1], age);
          }
        }
        Set<String> reconciles = new java.util.HashSet<>();
        for (String thread : operator.threadDump().split("\n\n")) {
          if (thread.startsWith("\"") && thread.contains("org.postgresql.")) {
            String name = thread.lines().findFirst().orElse("").replaceAll("^\"([^\"]*)\".*", "$1");
            boolean reconcile = thread.contains("EventProcessor$ReconcilerExecutor");
            inDriver.add(reconcile ? name + " (reconcile)" : name);
            if (reconcile) {
              reconciles.add(name);
            }
          }
        }
        dumps++;
        reconciles.stream().filter(reconcilesBefore::contains).forEach(stuckReconciles::add);
        reconcilesBefore = reconciles;
        Thread.sleep(Math.max(0, Math.min(5000, Duration.between(Instant.now(), until).toMillis())));
      }
    }
  }

  /** Creates {@code n} pipelines on {@code source} at 5 a second; each one's create-to-init-Job latency. */
  private Batch batch(OperatorProcess operator, String label, boolean hung, Source source, int first, int n) throws InterruptedException {
    String load = OperatorBench.loadAverage();
    double reconcilesBefore = operator.reconciles();
    Map<String, Instant> created = new LinkedHashMap<>();
    for (int i = first; i < first + n; i++) {
      String name = String.format("h-%05d", i);
      created.put(name, Instant.now());
      createPipeline("slots-hang", name, source);
      Thread.sleep(200);
    }
    Instant deadline = Instant.now().plusSeconds(120);
    while (!jobSeen.keySet().containsAll(created.keySet()) && Instant.now().isBefore(deadline)) {
      Thread.sleep(100);
    }
    List<Double> latencies = new ArrayList<>();
    created.forEach((name, at) -> {
      Instant seen = jobSeen.get(name);
      if (seen != null) {
        latencies.add(Duration.between(at, seen).toNanos() / 1e6);
      }
    });
    Collections.sort(latencies);
    Batch b = new Batch(label, hung, latencies, n - latencies.size(), load, operator.reconciles() - reconcilesBefore);
    System.out.printf("%s: p50 %.0f ms, p99 %.0f ms, %d without a Job, %.0f reconciles meanwhile; load %s%n", label,
        OperatorBench.percentile(latencies, 50), OperatorBench.percentile(latencies, 99), b.missing(), b.reconciles(), load);
    return b;
  }

  /** Server B's postmaster and its children (every backend and auxiliary process). */
  private static List<Long> serverB() throws Exception {
    long postmaster = Long.parseLong(Files.readAllLines(Path.of(System.getenv("SLOTS_B_PIDFILE"))).get(0).trim());
    List<Long> pids = new ArrayList<>(List.of(postmaster));
    for (String child : Files.readString(Path.of("/proc/" + postmaster + "/task/" + postmaster + "/children")).trim().split("\\s+")) {
      if (!child.isEmpty()) {
        pids.add(Long.parseLong(child));
      }
    }
    return pids;
  }

  private static void signal(String signal, List<Long> pids) throws Exception {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(p -> command.add(Long.toString(p)));
    new ProcessBuilder(command).inheritIO().start().waitFor();
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
