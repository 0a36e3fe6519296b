package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.TableVerification;
import io.pgstream.operator.api.VerificationState;
import io.pgstream.operator.api.VerificationStatus;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.metrics.PipelineMetrics;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.Messages;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.verify.TableResult;
import io.pgstream.operator.verify.VerificationException;
import io.pgstream.operator.verify.VerificationReport;
import io.pgstream.operator.verify.Verifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs the verification that spec.verification.request asks for, once per value of the request, and
 * reports it in status.verification, an Event and a gauge. A verification reads whole tables, so it
 * runs off the reconcile thread, one at a time for the whole operator; the reconcile looks again
 * every {@link #POLL} until the result is there. A result for the current request is never redone.
 */
final class VerificationGate {
  static final Duration POLL = Duration.ofSeconds(5);
  /** Tables listed in the status (differing ones first); the status must stay far below etcd's object limit. */
  static final int MAX_LISTED = 100;
  /** Tables named in a message or Event. */
  static final int MAX_NAMED = 10;

  /** A verification under way for one request value; its future never fails (failures are results). */
  private record Job(String request, Future<Result> result) {}

  /** A report, or why there is none. */
  private record Result(VerificationReport report, String failure) {}

  private final Verifier verifier;
  private final EventRecorder events;
  private final PipelineMetrics metrics;
  private final Clock clock;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "pgstream-verify");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();

  VerificationGate(Verifier verifier, EventRecorder events, PipelineMetrics metrics, Clock clock) {
    this.verifier = verifier;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Starts, follows or finishes the requested verification of a Streaming or Completed pipeline.
   *
   * @return when to look again for the result of a running verification; empty when none runs
   */
  Optional<Duration> observe(PgstreamPipeline p, StatusUpdater s, ResolvedCredentials creds) {
    String key = key(p);
    VerificationStatus current = s.status().verification;
    if (current != null && current.mismatchedTables != null) {
      // After an operator restart the gauge comes back from the status.
      metrics.verificationMismatches(p.getMetadata().getNamespace(), p.getMetadata().getName(), current.mismatchedTables);
    }
    String request = p.getSpec().verification == null ? null : p.getSpec().verification.request;
    if (request == null || request.isEmpty()) {
      forget(p);
      if (current != null && current.state == VerificationState.Running) {
        s.status().verification = null;
      }
      return Optional.empty();
    }
    if (current != null && request.equals(current.request) && current.state != VerificationState.Running) {
      return Optional.empty();
    }
    Job job = jobs.get(key);
    if (job == null || !job.request().equals(request)) {
      if (job != null) {
        job.result().cancel(true);
      }
      jobs.put(key, new Job(request, executor.submit(() -> run(p, creds))));
      s.status().verification = running(request);
      return Optional.of(POLL);
    }
    if (!job.result().isDone()) {
      return Optional.of(POLL);
    }
    jobs.remove(key);
    s.status().verification = finish(p, request, result(job));
    return Optional.empty();
  }

  /** Stops following a deleted pipeline; a running verification is cancelled. */
  void forget(PgstreamPipeline p) {
    Job job = jobs.remove(key(p));
    if (job != null) {
      job.result().cancel(true);
    }
  }

  private Result run(PgstreamPipeline p, ResolvedCredentials creds) {
    try {
      return new Result(verifier.verify(p, creds), null);
    } catch (VerificationException e) {
      return new Result(null, e.getMessage());
    } catch (RuntimeException e) {
      return new Result(null, "Verification failed: " + Redactor.redact(String.valueOf(e.getMessage()), creds.secretValues()));
    }
  }

  private static Result result(Job job) {
    try {
      return job.result().get();
    } catch (ExecutionException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return new Result(null, "Verification did not finish: " + e.getClass().getSimpleName());
    }
  }

  private static VerificationStatus running(String request) {
    VerificationStatus v = new VerificationStatus();
    v.request = request;
    v.state = VerificationState.Running;
    v.message = "Comparing source and target (one verification at a time per operator)";
    return v;
  }

  private VerificationStatus finish(PgstreamPipeline p, String request, Result result) {
    VerificationStatus v = new VerificationStatus();
    v.request = request;
    v.completedAt = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    if (result.failure() != null) {
      v.state = VerificationState.Failed;
      v.message = result.failure();
      events.warning(p, "VerificationFailed", v.message);
      return v;
    }
    VerificationReport report = result.report();
    List<TableResult> mismatched = report.mismatched();
    v.lsn = report.lsn();
    v.mismatchedTables = mismatched.size();
    v.tables = listed(report.tables());
    metrics.verificationMismatches(p.getMetadata().getNamespace(), p.getMetadata().getName(), mismatched.size());
    String listedNote =
        report.tables().size() > MAX_LISTED ? " (status lists %d of them, differing first)".formatted(MAX_LISTED) : "";
    if (mismatched.isEmpty()) {
      v.state = VerificationState.Matched;
      v.message = "Every table matches (%d) at source LSN %s%s".formatted(report.tables().size(), report.lsn(), listedNote);
      events.normal(p, "VerificationMatched", v.message);
    } else {
      v.state = VerificationState.Mismatched;
      v.message =
          "%d of %d tables differ at source LSN %s: %s%s"
              .formatted(mismatched.size(), report.tables().size(), report.lsn(), names(mismatched), listedNote);
      events.warning(p, "VerificationMismatched", v.message);
    }
    return v;
  }

  private static List<TableVerification> listed(List<TableResult> tables) {
    List<TableVerification> out = new ArrayList<>();
    tables.stream()
        .sorted(Comparator.comparing(TableResult::match))
        .limit(MAX_LISTED)
        .forEach(
            t -> {
              TableVerification tv = new TableVerification();
              tv.table = t.table();
              tv.sourceRows = t.sourceRows();
              tv.targetRows = t.targetRows();
              tv.match = t.match();
              tv.detail = t.detail();
              out.add(tv);
            });
    return out;
  }

  private static String names(List<TableResult> tables) {
    return Messages.firstOf(tables.stream().map(TableResult::table).toList(), MAX_NAMED);
  }

  private static String key(PgstreamPipeline p) {
    return p.namespacedName();
  }
}
