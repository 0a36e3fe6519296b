package io.pgstream.operator.bench;

import io.pgstream.operator.bench.SlotBench.Batch;
import io.pgstream.operator.bench.SlotBench.Hang;
import io.pgstream.operator.bench.SlotBench.Query;
import io.pgstream.operator.bench.SlotBench.Round;
import io.pgstream.operator.bench.SlotBench.Sessions;
import io.pgstream.operator.bench.SlotBench.Window;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** results/bench-slots.md and the slot keys of results/bench.json. */
final class SlotReport {
  private SlotReport() {}

  static String markdown(List<Round> rounds, List<Window> windows, SlotBench.Resync resync, Hang hang, Duration interval, String loadBefore, String loadAfter,
      List<String> problems) throws IOException {
    StringBuilder out = new StringBuilder("# pgstream-operator: slot monitoring cost with the database checks on\n\n");
    out.append(String.format(Locale.ROOT, "Machine: %d cores (%s), %d MiB RAM, shared with other work; %s %s. Date: %s.%n",
        Runtime.getRuntime().availableProcessors(), BenchReport.cpu(), BenchReport.memTotalMiB(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), Instant.now()));
    out.append("Versions: PostgreSQL ").append(System.getenv().getOrDefault("BENCH_PG_VERSION", "?")).append(" (wal2json), Kubernetes ")
        .append(System.getenv().getOrDefault("BENCH_KUBE_VERSION", "?")).append(" (kube-apiserver + etcd), JOSDK ")
        .append(BenchReport.version("io.javaoperatorsdk.operator.Operator")).append(", Fabric8 ")
        .append(BenchReport.version("io.fabric8.kubernetes.client.KubernetesClient")).append(".\n");
    out.append("Load average (1, 5, 15 min) before: ").append(loadBefore).append("; after: ").append(loadAfter).append(".\n\n");
    out.append("Reproduce: `").append(System.getenv().getOrDefault("BENCH_COMMAND", "make bench-slots")).append("` (bench/slots.sh lists the knobs).\n\n");
    out.append(String.format(Locale.ROOT, """
        Setup: the operator (`Main run`, its own JVM with the chart's memory settings) against a real kube-apiserver, its
        slot-check interval %s (`--slot-check-interval`; 60 s is the default). Every pipeline is mode `replication`, with
        `spec.preflight` left at its default (Enforce: the checks run against the real databases before the init Job), and
        its own pair of credentials Secrets (`<name>-source`, `<name>-target`, keys username and password) in its
        namespace; all log in as the same source login. The benchmark plays pgstream init (it creates the logical slot,
        wal2json, under the name the operator renders, `ReplicationSlots.defaultName`, then marks the init Job
        succeeded) and the Deployment controller (the streaming Deployment available); no pgstream runs. Two PostgreSQL
        servers, A and B; the target database is on A.

        Counted: `pg_stat_database.sessions` (every session that connected to that database, PostgreSQL 14+) of each
        database, read at the start and the end of a steady-state window over one long-lived superuser connection per
        server to the `postgres` database (which counts in no database measured here; the benchmark opens no other
        session in the window). The window starts once every pipeline of the round has reported Streaming (phase
        Streaming, condition Streaming True) and %d s more have passed. Earlier rounds' pipelines keep streaming
        (their own databases). What the pipelines' logins ran is from `pg_stat_statements`, reset at the window's start.

        """, human(interval), Math.min(interval.toSeconds(), 15)));

    out.append("## Sessions the operator opened on the sources, steady state\n\n");
    out.append("| round | pipelines | source servers | source databases | window (s) | sessions | per minute | per minute per pipeline | load before | load after |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      Round r = rounds.get(i);
      long n = w.roundSessions(r.sources());
      double perMin = n / (w.seconds() / 60);
      out.append(String.format(Locale.ROOT, "| %s | %,d | %d | %d | %.0f | %d | %.2f | %.5f | %s | %s |%n", r.name(), w.pipelines(), w.servers(),
          r.sources().size(), w.seconds(), n, perMin, perMin / w.pipelines(), w.loadBefore(), w.loadAfter()));
    }
    out.append("""

        While each round's pipelines were being created and brought to Streaming (their preflight sessions are not
        counted here), the slot watch checked their source databases this often (calls of its query, pg_stat_statements):

        | round | pipelines | seconds until all streamed | slot checks | checks per pipeline |
        |---|---:|---:|---:|---:|
        """);
    for (Window w : windows) {
      out.append(String.format(Locale.ROOT, "| %s | %,d | %.0f | %d | %.3f |%n", w.round(), w.pipelines(), w.rampSeconds(), w.rampChecks(),
          (double) w.rampChecks() / w.pipelines()));
    }
    if (resync != null) {
      out.append(String.format(Locale.ROOT, """

          A restarted operator (SIGTERM, a new JVM) resyncs the %,d streaming pipelines: %.0f s until each was reconciled,
          plus 10 s; load after: %s. Sessions and slot checks in that time, by source database:

          | server/database | pipelines reading it | sessions | slot checks |
          |---|---:|---:|---:|
          """, resync.pipelines(), resync.seconds(), resync.load()));
      for (Sessions x : resync.sessions()) {
        out.append(String.format(Locale.ROOT, "| %s/%s | %,d | %d | %d |%n", x.server(), x.database(), x.pipelines(), x.sessions(),
            resync.checks().getOrDefault(x.server() + "/" + x.database(), 0L)));
      }
    }
    out.append("\nEvery database in each window (the earlier rounds' included):\n\n| round | server/database | pipelines reading it | sessions | per minute |\n|---|---|---:|---:|---:|\n");
    for (Window w : windows) {
      for (Sessions s : w.sessions()) {
        out.append(String.format(Locale.ROOT, "| %s | %s/%s | %,d | %d | %.2f |%n", w.round(), s.server(), s.database(), s.pipelines(), s.sessions(),
            s.sessions() / (w.seconds() / 60)));
      }
    }
    out.append("\nWhat the pipelines' logins ran in each window (pg_stat_statements, both servers):\n\n| round | server/database | calls | statement |\n|---|---|---:|---|\n");
    for (Window w : windows) {
      if (w.queries().isEmpty()) {
        out.append("| ").append(w.round()).append(" | | 0 | (none) |\n");
      }
      for (Query q : w.queries()) {
        out.append(String.format(Locale.ROOT, "| %s | %s/%s | %d | `%s` |%n", w.round(), q.server(), q.database(), q.calls(),
            q.query().length() > 300 ? q.query().substring(0, 300) + "…" : q.query()));
      }
    }
    if (hang != null) {
      hang(out, hang, interval);
    }
    out.append("\n## Verdict\n\n");
    if (problems.isEmpty()) {
      out.append("Every round streamed all its pipelines through its window, and each source database saw between 1 and one session per started")
          .append(" slot-check interval (+1), whatever the number of pipelines reading it.\n");
    } else {
      problems.forEach(p -> out.append("- FAILED: ").append(p).append('\n'));
    }
    return out.toString();
  }

  private static void hang(StringBuilder out, Hang hang, Duration interval) {
    out.append("\n## One source hangs\n\n");
    out.append("""
        Server B's postmaster and every one of its processes are stopped (SIGSTOP): connections are accepted by the kernel
        and never answered. Meanwhile new pipelines are created on A (5 a second, their own source database, target on A),
        in batches interleaved with batches created while B answers: answering, hung (15 s after the stop), hung (one
        slot-check interval + 15 s after the stop, when the watch's check of B has certainly run into the hang), B resumed
        (SIGCONT), answering. Latency: the pipeline's create sent to its init Job seen by a watch. Reconciles: what the
        operator started (all pipelines) from the batch's first create until its last Job (its /metrics).

        | batch | B | pipelines | p50 (ms) | p99 (ms) | max (ms) | without a Job | reconciles meanwhile | load at its start |
        |---|---|---:|---:|---:|---:|---:|---:|---|
        """);
    List<Double> hung = new ArrayList<>();
    List<Double> answering = new ArrayList<>();
    for (Batch b : hang.batches()) {
      (b.hung() ? hung : answering).addAll(b.latenciesMs());
      out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f | %d | %.0f | %s |%n", b.label(), b.hung() ? "hung" : "answering",
          b.latenciesMs().size() + b.missing(), OperatorBench.percentile(b.latenciesMs(), 50), OperatorBench.percentile(b.latenciesMs(), 99),
          OperatorBench.percentile(b.latenciesMs(), 100), b.missing(), b.reconciles(), b.load()));
    }
    Collections.sort(hung);
    Collections.sort(answering);
    out.append(String.format(Locale.ROOT, "| **all, B hung** | hung | %d | %.0f | %.0f | %.0f | | | |%n", hung.size(), OperatorBench.percentile(hung, 50),
        OperatorBench.percentile(hung, 99), OperatorBench.percentile(hung, 100)));
    out.append(String.format(Locale.ROOT, "| **all, B answering** | answering | %d | %.0f | %.0f | %.0f | | | |%n%n", answering.size(),
        OperatorBench.percentile(answering, 50), OperatorBench.percentile(answering, 99), OperatorBench.percentile(answering, 100)));
    out.append(String.format(Locale.ROOT,
        "Slot readings during the hang (`pgstream_replication_slot_last_check_timestamp_seconds`, scraped every 5 s): the oldest"
            + " reading of the %,d pipelines on A was %.0f s old at worst (interval %s), so A's readings kept coming; the oldest of"
            + " B's pipelines reached %.0f s.%n%n", hang.healthyChecked(), hang.maxHealthyAgeS(), human(interval), hang.maxHungAgeS()));
    out.append("B's pipelines at the end of the hang:\n\n");
    hang.hungConditions().forEach((k, v) -> out.append("- ").append(v).append(": ").append(k).append('\n'));
    if (!hang.hungMessage().isEmpty()) {
      out.append("\nTheir Degraded message: \"").append(hang.hungMessage()).append("\"\n");
    }
    out.append(String.format(Locale.ROOT,
        "%nThread dumps of the operator (jcmd Thread.print, %d taken every 5 s between the hung batches): threads seen inside a"
            + " PostgreSQL driver call: %s. Reconcile threads in a driver call in two dumps in a row (stuck): %s.%n",
        hang.dumps(), hang.driverThreads().isEmpty() ? "none" : String.join(", ", hang.driverThreads()),
        hang.stuckReconciles().isEmpty() ? "none" : String.join(", ", hang.stuckReconciles())));
    out.append(hang.recoveredAfterS() < 0
        ? "\nB's pipelines did not all report Degraded False within two intervals after B resumed:\n\n"
        : "\nB's pipelines all reported Degraded False again " + hang.recoveredAfterS() + " s after B resumed:\n\n");
    hang.afterResume().forEach((k, v) -> out.append("- ").append(v).append(": ").append(k).append('\n'));
  }

  /** The slot keys of bench.json: sessions per minute by round, and the hang's latencies. */
  static Map<String, Object> keys(List<Round> rounds, List<Window> windows, SlotBench.Resync resync, Hang hang) {
    Map<String, Object> keys = new LinkedHashMap<>();
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      Round r = rounds.get(i);
      double perMin = round(w.roundSessions(r.sources()) / (w.seconds() / 60));
      String suffix = w.pipelines() + (w.servers() > 1 ? "_" + w.servers() + "servers" : "");
      keys.put("source_sessions_per_min_" + suffix, perMin);
      keys.put("source_sessions_per_min_per_pipeline_" + suffix, Math.round(perMin / w.pipelines() * 1e6) / 1e6);
      keys.put("slot_checks_while_adding_" + suffix, w.rampChecks());
    }
    if (resync != null) {
      keys.put("slot_checks_resync_" + resync.pipelines(), resync.checks().values().stream().mapToLong(Long::longValue).sum());
    }
    if (hang != null) {
      List<Double> hung = new ArrayList<>();
      List<Double> answering = new ArrayList<>();
      hang.batches().forEach(b -> (b.hung() ? hung : answering).addAll(b.latenciesMs()));
      Collections.sort(hung);
      Collections.sort(answering);
      keys.put("hang_create_to_job_p50_ms", round(OperatorBench.percentile(hung, 50)));
      keys.put("hang_create_to_job_p99_ms", round(OperatorBench.percentile(hung, 99)));
      keys.put("nohang_create_to_job_p50_ms", round(OperatorBench.percentile(answering, 50)));
      keys.put("nohang_create_to_job_p99_ms", round(OperatorBench.percentile(answering, 99)));
      keys.put("hang_healthy_slot_reading_max_age_s", round(hang.maxHealthyAgeS()));
    }
    return keys;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static String human(Duration d) {
    return d.toSeconds() + " s";
  }
}
