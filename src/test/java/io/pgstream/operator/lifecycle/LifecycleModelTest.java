package io.pgstream.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.support.CapturedLogs;
import io.pgstream.operator.support.FakePgstream;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The model-based lifecycle test: seeded random sequences of every kind of change in {@link
 * PhaseTable} (plus the acknowledgement and the world's moves: Jobs succeeding or failing, pods
 * outliving their Job, the Deployment becoming available) against the real operator on the Fabric8
 * mock server and real PostgreSQL, with the {@link Invariants} checked after every step.
 *
 * <p>{@code -Dlifecycle.sequences=N} (default 500), {@code -Dlifecycle.seed=S} (default fixed, so CI
 * repeats itself), {@code -Dlifecycle.lanes=L} (sequences run at once, default 24), {@code
 * -Dlifecycle.only=I[,J...]} (just those sequences of seed S, to replay failures), {@code
 * -Dlifecycle.trace=true} (statuses and Events after every step in a failing sequence's report).
 */
@EnableKubernetesMockClient(crud = true)
class LifecycleModelTest {
  static final long DEFAULT_SEED = 20261201L;
  /** The test's passwords (lane logins), plain or percent-encoded, must never reach a log line. */
  private static final Pattern PASSWORD = Pattern.compile("Lane\\d+(:|%3A)pw(@|%40)\\d+(#|%23)");
  /** Full reports for this many failing sequences per invariant (-Dlifecycle.detailed=N); the rest get one line each. */
  private static final int DETAILED = Integer.getInteger("lifecycle.detailed", 3);
  /** -Dlifecycle.trace=true: also the operator's last log lines for each pipeline of a failing sequence. */
  private static final boolean TRACE = Boolean.getBoolean("lifecycle.trace");

  KubernetesClient client;

  @Test
  void randomSequencesKeepTheLifecyclePromises() throws Exception {
    int sequences = Integer.getInteger("lifecycle.sequences", 500);
    long seed = Long.getLong("lifecycle.seed", DEFAULT_SEED);
    int lanes = Integer.getInteger("lifecycle.lanes", 24);
    Set<Integer> only = only(System.getProperty("lifecycle.only"));
    TestPostgres primary = TestPostgres.rds("model", 400);
    TestPostgres other = TestPostgres.rds("model-other", 400);
    FakePgstream pgstream = new FakePgstream(ModelLane.servers(primary, other));
    OperatorSettings settings =
        OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS).withSlotCheckInterval(ModelRun.SLOT_CHECK_INTERVAL);

    // The operator's own debug lines stay captured (and searched for passwords); JOSDK's are too many for 500 sequences.
    Logger josdk = (Logger) LoggerFactory.getLogger("io.javaoperatorsdk");
    Level josdkLevel = josdk.getLevel();
    josdk.setLevel(Level.INFO);
    if (TRACE) {
      CapturedLogs.keepPerResource();
    }
    ChangeClock clock = new ChangeClock(client);
    ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < sequences; i++) {
      if (only.isEmpty() || only.contains(i)) {
        queue.add(i);
      }
    }
    int laneCount = Math.min(lanes, queue.size());
    ExecutorService pool = Executors.newFixedThreadPool(laneCount);
    List<ModelRun> runs = new ArrayList<>();
    AtomicInteger leaks = new AtomicInteger();
    long started = System.nanoTime();
    List<Future<List<ModelRun>>> futures = new ArrayList<>();
    for (int l = 0; l < laneCount; l++) {
      ModelLane lane = new ModelLane(l, primary, other, client, settings);
      futures.add(
          pool.submit(
              () -> {
                lane.create();
                lane.startOperator();
                List<ModelRun> done = new ArrayList<>();
                try {
                  for (Integer i = queue.poll(); i != null; i = queue.poll()) {
                    ModelRun run = new ModelRun(i, sequenceSeed(seed, i), lane, client, clock, pgstream);
                    run.run();
                    done.add(run);
                    leaks.addAndGet(leakedPasswords());
                  }
                } finally {
                  lane.stopOperator();
                }
                return done;
              }));
    }
    try {
      for (Future<List<ModelRun>> f : futures) {
        runs.addAll(f.get());
      }
    } finally {
      pool.shutdown();
      clock.close();
      josdk.setLevel(josdkLevel);
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;

    runs.sort((a, b) -> Integer.compare(a.index, b.index));
    int steps = runs.stream().mapToInt(r -> r.steps).sum();
    int unsettled = runs.stream().mapToInt(r -> r.unsettled).sum();
    int violations = runs.stream().mapToInt(r -> r.findings.size()).sum();
    List<ModelRun> broken = runs.stream().filter(r -> r.error != null).toList();
    broken.forEach(r -> System.out.println("lifecycle-model: harness error in sequence " + r.index + ": " + r.error + "\n  " + String.join("\n  ", r.trace)));
    report(seed, runs);
    System.out.printf(
        "lifecycle-model: seed %d, %d lanes, %d s (%d ms per step per lane), %d steps that did not settle within 30 s, %d password leaks in logs%n",
        seed, laneCount, seconds, runs.stream().mapToLong(r -> r.millis).sum() / Math.max(1, steps), unsettled, leaks.get());
    System.out.printf("lifecycle-model: %d sequences, %d steps, %d violations%n", runs.size(), steps, violations);
    assertThat(broken).as("sequences the harness could not run").isEmpty();
    assertThat(leaks.get()).as("log lines with a lane password").isZero();
    assertThat(violations).as("lifecycle invariant violations (see the report above)").isZero();
  }

  private static Set<Integer> only(String list) {
    return list == null || list.isBlank()
        ? Set.of()
        : Arrays.stream(list.split(",")).map(String::trim).map(Integer::valueOf).collect(Collectors.toSet());
  }

  /** Each sequence has its own seed, so one can be replayed alone (-Dlifecycle.only). */
  static long sequenceSeed(long seed, int index) {
    return seed * 1_000_003L + index;
  }

  /** Per invariant: how many sequences broke it, full reports for the first few, one line for the others. */
  private static void report(long seed, List<ModelRun> runs) {
    Map<Invariants.Kind, Integer> detailed = new EnumMap<>(Invariants.Kind.class);
    Map<Invariants.Kind, Integer> sequencesPerKind = new EnumMap<>(Invariants.Kind.class);
    for (ModelRun run : runs) {
      if (run.findings.isEmpty()) {
        continue;
      }
      run.findings.stream().map(f -> f.violation().kind()).distinct().forEach(k -> sequencesPerKind.merge(k, 1, Integer::sum));
      Invariants.Kind first = run.findings.get(0).violation().kind();
      boolean full = detailed.merge(first, 1, Integer::sum) <= DETAILED;
      StringBuilder out = new StringBuilder();
      out.append("lifecycle-model VIOLATION seed ").append(seed).append(" sequence ").append(run.index)
          .append(" (replay: -Dlifecycle.seed=").append(seed).append(" -Dlifecycle.only=").append(run.index).append(")\n");
      for (ModelRun.Finding f : run.findings) {
        out.append("  after step ").append(f.step()).append(": ").append(f.violation()).append('\n');
      }
      if (full) {
        out.append("  sequence:\n");
        for (int i = 0; i < run.trace.size(); i++) {
          out.append("    ").append(i + 1).append(". ").append(run.trace.get(i)).append('\n');
        }
        out.append("  status at the first violation:\n").append(run.findings.get(0).statuses());
        if (TRACE) {
          for (String pipeline : run.pipelines()) {
            out.append("  the operator's last lines for ").append(pipeline).append(":\n");
            CapturedLogs.kept(pipeline).forEach(line -> out.append("    ").append(line).append('\n'));
          }
          out.append("  warnings outside a reconcile while it ran:\n");
          CapturedLogs.kept("").stream()
              .filter(line -> within(line, run))
              .forEach(line -> out.append("    ").append(line).append('\n'));
        }
      }
      System.out.print(out);
    }
    sequencesPerKind.forEach((k, n) -> System.out.printf("lifecycle-model: %s (%s) broken in %d sequences%n", k, k.promise, n));
  }

  private static boolean within(String line, ModelRun run) {
    LocalTime at = LocalTime.parse(line.substring(0, 12));
    return !at.isBefore(run.began) && !at.isAfter(run.ended);
  }

  /** Log lines so far (the operator logs at debug level into memory), searched for passwords and then forgotten. */
  private static int leakedPasswords() {
    return (int) CapturedLogs.drain().stream().filter(line -> PASSWORD.matcher(line).find()).count();
  }
}
