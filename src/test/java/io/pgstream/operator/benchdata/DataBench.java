package io.pgstream.operator.benchdata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * `make bench-data`: real pgstream with the operator's rendered config against what a user would pick
 * instead, on the same two PostgreSQL servers and data, the rounds interleaved (A, B, B, A) so
 * the shared machine's noise falls on every method: the snapshot against pg_dump | pg_restore, the apply rate of
 * a backlog against native logical replication and a sweep of pgstream's batch settings, and end-to-end
 * lag at fixed rates. e2e/bench-data.sh starts the servers and passes their ports.
 */
public final class DataBench {
  private final Peers peers;
  private final Dataset dataset;
  private final Path work;
  private final Results results;

  private DataBench(Peers peers, Path work, Results results) {
    this.peers = peers;
    this.dataset = new Dataset(peers.source());
    this.work = work;
    this.results = results;
  }

  public static void main(String[] args) throws Exception {
    long rows = Long.parseLong(env("BENCH_ROWS", "2000000"));
    int changes = Integer.parseInt(env("BENCH_CHANGES", "200000"));
    int reps = Integer.parseInt(env("BENCH_REPS", "2"));
    int lagSeconds = Integer.parseInt(env("BENCH_LAG_SECONDS", "30"));
    Path out = Path.of(env("BENCH_OUT", "results"));
    Files.createDirectories(out);
    Results results = new Results(rows, changes, reps, lagSeconds);
    DataBench bench = new DataBench(Peers.fromEnvironment(), Path.of(Peers.env("E2E_WORK")), results);
    List<String> phases = List.of(env("BENCH_PHASES", "snapshot,backlog,lag").split(","));
    bench.dataset(rows);
    bench.snapshots(phases.contains("snapshot") ? reps : 1, Settings.sweep(env("BENCH_SNAPSHOT_SWEEP", "")));
    bench.prepareStreaming();
    if (phases.contains("backlog")) {
      bench.backlogs(reps, changes, Settings.sweep(env("BENCH_STREAM_SWEEP", "")));
    }
    if (phases.contains("lag")) {
      for (String rate : env("BENCH_LAG_RATES", "10,100").split(",")) {
        bench.lag(reps, Integer.parseInt(rate.trim()), lagSeconds, Settings.sweep(env("BENCH_LAG_SWEEP", "")));
      }
    }
    results.write(out);
    System.out.println(Files.readString(out.resolve(Results.MARKDOWN)));
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  private void dataset(long rows) {
    long t0 = System.nanoTime();
    dataset.create(rows);
    results.dataset(Dataset.rows(peers.source(), Dataset.DATABASE), dataset.size(), seconds(t0));
    log("dataset: %d rows, %s in %.0f s", rows, dataset.size(), seconds(t0));
  }

  /** Each rep copies with every method in turn into a fresh target; the copy must match the source. */
  private void snapshots(int reps, List<Settings> sweep) {
    List<Copier> copiers = new ArrayList<>(List.of(new Copier.PgDumpRestore()));
    sweep.forEach(s -> copiers.add(new Copier.PgstreamSnapshot(s)));
    String expected = Dataset.fingerprint(peers.source(), Dataset.DATABASE);
    for (int rep = 1; rep <= reps; rep++) {
      for (Copier c : inRepOrder(copiers, rep)) {
        peers.freshTarget();
        peers.checkpoint();
        long t0 = System.nanoTime();
        c.copy(peers, work);
        double s = seconds(t0);
        requireEqual(expected, Dataset.fingerprint(peers.target(), Dataset.TARGET_DATABASE), c.name());
        results.snapshot(c.name(), s);
        log("snapshot %d %s: %.1f s (load %s)", rep, c.name(), s, Results.load());
      }
    }
  }

  /** The target keeps the last copy; its probe table stamps each row's arrival (also under a subscription). */
  private void prepareStreaming() {
    peers.target().execute(
        Dataset.TARGET_DATABASE,
        "ALTER TABLE lag_probe ADD COLUMN arrived timestamptz",
        "CREATE FUNCTION stamp_arrival() RETURNS trigger LANGUAGE plpgsql AS $$"
            + " BEGIN NEW.arrived := clock_timestamp(); RETURN NEW; END $$",
        "CREATE TRIGGER stamp_arrival BEFORE INSERT ON lag_probe FOR EACH ROW EXECUTE FUNCTION stamp_arrival()",
        "ALTER TABLE lag_probe ENABLE ALWAYS TRIGGER stamp_arrival");
    Applier.Native.publish(peers);
  }

  /** Each rep: for every applier a new slot, a backlog written while nothing applies, then the time to apply it. */
  private void backlogs(int reps, int changes, List<Settings> sweep) {
    List<Supplier<Applier>> appliers = new ArrayList<>(List.of(() -> new Applier.Native(false), () -> new Applier.Native(true)));
    sweep.forEach(s -> appliers.add(() -> new Applier.Pgstream(s)));
    for (int rep = 1; rep <= reps; rep++) {
      for (Supplier<Applier> make : inRepOrder(appliers, rep)) {
        try (Applier a = make.get()) {
          a.prepare(peers);
          int marker = dataset.backlog(changes);
          peers.checkpoint();
          long t0 = System.nanoTime();
          a.start();
          awaitMarker(marker, a, Duration.ofMinutes(20));
          double s = seconds(t0);
          results.backlog(a.name(), changes / s);
          log("backlog %d %s: %d changes in %.1f s = %.0f/s (load %s)", rep, a.name(), changes, s, changes / s, Results.load());
        }
        requireEqual(
            Dataset.fingerprint(peers.source(), Dataset.DATABASE), Dataset.fingerprint(peers.target(), Dataset.TARGET_DATABASE), "backlog");
      }
    }
  }

  /** Each rep: every applier streams a steady {@code rate} transactions per second for {@code seconds}. */
  private void lag(int reps, int rate, int seconds, List<Settings> sweep) throws SQLException, InterruptedException {
    List<Supplier<Applier>> appliers = new ArrayList<>(List.of(() -> new Applier.Native(false)));
    sweep.forEach(s -> appliers.add(() -> new Applier.Pgstream(s)));
    for (int rep = 1; rep <= reps; rep++) {
      for (Supplier<Applier> make : inRepOrder(appliers, rep)) {
        try (Applier a = make.get()) {
          a.prepare(peers);
          a.start();
          awaitMarker(dataset.marker(), a, Duration.ofMinutes(5));
          long after = peers.source().query(Dataset.DATABASE, "SELECT coalesce(max(id), 0) FROM lag_probe");
          steadyStream(rate, seconds);
          awaitMarker(dataset.marker(), a, Duration.ofMinutes(5));
          List<Double> lags = lags(after);
          results.lag(a.name(), rate, lags);
          log("lag %d %s at %d tx/s: %d probes, p50 %.0f ms, p99 %.0f ms (load %s)", rep, a.name(), rate, lags.size(),
              Results.percentile(lags, 50), Results.percentile(lags, 99), Results.load());
        }
      }
    }
  }

  /**
   * {@code rate} short transactions per second on one connection, at random (Poisson) times: on a fixed
   * schedule whose period matches pgstream's batch timeout every probe would meet the ticker at the same
   * phase and the percentiles would show one point of the wait instead of its spread.
   */
  private void steadyStream(int rate, int seconds) throws SQLException, InterruptedException {
    Random arrivals = new Random(rate);
    try (Connection c = peers.source().connect(Dataset.DATABASE);
        PreparedStatement insert = c.prepareStatement("INSERT INTO lag_probe (pad) VALUES ('probe')");
        PreparedStatement update = c.prepareStatement("UPDATE customers SET balance = balance + 1 WHERE id = ?")) {
      c.setAutoCommit(false);
      long start = System.nanoTime();
      double at = 0;
      for (long i = 0; i < (long) rate * seconds; i++) {
        at += -Math.log(1 - arrivals.nextDouble()) / rate;
        long wait = start + (long) (at * 1e9) - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        Dataset.probe(c, insert, update);
      }
    }
  }

  private List<Double> lags(long afterId) throws SQLException {
    List<Double> out = new ArrayList<>();
    try (Connection c = peers.target().connect(Dataset.TARGET_DATABASE);
        PreparedStatement st =
            c.prepareStatement("SELECT extract(epoch FROM arrived - sent) * 1000 FROM lag_probe WHERE id > ? ORDER BY id")) {
      st.setLong(1, afterId);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getDouble(1));
        }
      }
    }
    return out;
  }

  /** A, B, C in odd reps and C, B, A in even ones: a load that drifts during a rep falls on all methods alike. */
  private static <T> List<T> inRepOrder(List<T> methods, int rep) {
    List<T> out = new ArrayList<>(methods);
    if (rep % 2 == 0) {
      Collections.reverse(out);
    }
    return out;
  }

  /** Polls on one connection: a connection per poll would fork a target backend 50 times a second beside the apply. */
  private void awaitMarker(int marker, Applier a, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    try (Connection c = peers.target().connect(Dataset.TARGET_DATABASE);
        PreparedStatement st = c.prepareStatement("SELECT 1 FROM bench_marker WHERE id = ?")) {
      st.setInt(1, marker);
      while (!arrived(st)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(a.name() + " did not apply marker " + marker + " in " + limit + ":\n" + a.output());
        }
        Thread.sleep(20);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("polling the target failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean arrived(PreparedStatement st) throws SQLException {
    try (ResultSet rs = st.executeQuery()) {
      return rs.next();
    }
  }

  private static void requireEqual(String expected, String actual, String what) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException(what + ": the target differs from the source: " + actual + " != " + expected);
    }
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void log(String format, Object... args) {
    System.out.printf("[bench-data] " + format + "%n", args);
  }
}
