package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.api.StepRetry;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.dependent.Step;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which failed steps the operator runs again by itself (spec.retry), and when. A re-run goes the way
 * of pgstream.io/retry (StepPlanner: the failed Job deleted in the foreground, the next one created
 * once it and its pods are gone), so only a failure that a re-run can neither make worse nor fail
 * again at for certain qualifies:
 *
 * <ul>
 *   <li>the step is init (idempotent) or a snapshot whose target is emptied before each copy
 *       (cleanTargetDb, or populatedTarget Truncate): any other snapshot would meet the rows the
 *       failed one copied. Never the backfill (a new spec.snapshot.backfill value re-runs it) or destroy;
 *   <li>not a deadline (a re-run takes as long: raise spec.timeouts) and not a disrupted snapshot;
 *   <li>not a failure that needs a fix: a refused login, a missing privilege or object, a
 *       duplicate key, a server setting, the memory limit (see {@link #NEEDS_A_FIX}).
 * </ul>
 *
 * Attempts count per inputs: a new identity or template, or pgstream.io/retry, starts from none.
 * Suspended, a due re-run waits like any start (Suspension), and a paused pipeline does nothing.
 */
final class AutoRetry {
  /** The step condition's reason once the last automatic re-run failed too. */
  static final String EXHAUSTED = "RetriesExhausted";

  /**
   * What says a failure needs a fix: SQLSTATE classes 28 (login refused), 42 (privilege, missing or
   * wrong object), 23 (integrity, a duplicate key), 3D/3F (no such database or schema), 0A (not
   * supported), 22 (data), 55000 (a server setting such as wal_level), 53400 (a configured limit such
   * as max_replication_slots); the same in the words of pg_dump and psql, which print no SQLSTATE; and
   * a container killed at its memory limit.
   */
  static final List<Pattern> NEEDS_A_FIX =
      List.of(
          Pattern.compile("SQLSTATE (28|42|23|3D|3F|0A|22)[0-9A-Z]{3}|SQLSTATE (55000|53400)"),
          Pattern.compile(
              "permission denied|must be (superuser|owner|a member)|authentication failed|pg_hba\\.conf|does not exist"
                  + "|already exists|duplicate key|wal_level|replication slots are in use|OOMKilled",
              Pattern.CASE_INSENSITIVE));

  private AutoRetry() {}

  /**
   * Why a failure is not re-run by itself; empty when it is.
   *
   * @param reason the step condition's reason for the failure (e.g. SnapshotTimedOut), null for a plain one
   * @param failure what the failed pod said, redacted
   */
  static Optional<String> refusal(Step step, PgstreamPipelineSpec spec, String reason, String failure) {
    if (!rerunsBySelf(step)) {
      return Optional.of("only init and the snapshot are retried automatically");
    }
    if (reason != null) {
      return Optional.of(
          reason.endsWith("TimedOut")
              ? "a re-run would take as long (raise spec.timeouts)"
              : "a re-run would copy onto the rows the disrupted one wrote");
    }
    if (step == Step.SNAPSHOT && !targetEmptiedFirst(spec)) {
      return Optional.of(
          "a re-run would meet the rows this snapshot copied (set spec.snapshot.populatedTarget: Truncate or"
              + " spec.snapshot.schema.cleanTargetDb to have snapshots retried automatically)");
    }
    if (NEEDS_A_FIX.stream().anyMatch(p -> p.matcher(failure).find())) {
      return Optional.of("the failure needs a fix first");
    }
    return Optional.empty();
  }

  /**
   * A failed step's status with what happens next by itself: when the next re-run is (nextRetryAt, and
   * the message says which of how many), that none is left (reason {@link #EXHAUSTED}), or why none
   * comes. With spec.retry.maxAttempts 0, and for the steps it never re-runs, the status is unchanged.
   */
  static StepStatus schedule(StepStatus failed, StepPlanner.Facts f, PgstreamPipelineSpec spec, String failure) {
    StepRetry retry = spec.effectiveRetry();
    int max = retry.effectiveMaxAttempts();
    if (max == 0 || !rerunsBySelf(f.step())) {
      return failed;
    }
    Optional<String> refused = refusal(f.step(), spec, failed.reason, failure);
    int made = attempts(failed);
    if (refused.isPresent()) {
      failed.message += " Not retried automatically (spec.retry): " + refused.get() + ".";
    } else if (made >= max) {
      failed.reason = EXHAUSTED;
      failed.message += " Gave up after %d automatic retries (spec.retry.maxAttempts).".formatted(made);
    } else {
      Instant at = f.now().plus(backoff(retry, made + 1)).truncatedTo(ChronoUnit.SECONDS);
      failed.nextRetryAt = at.toString();
      failed.message += " Automatic retry %d of %d at %s (spec.retry).".formatted(made + 1, max, at);
    }
    return failed;
  }

  /** How a running re-run is named in the step's message. */
  static String label(int attempt) {
    return "automatic retry " + attempt;
  }

  /** The wait before re-run number {@code attempt} (from 1): the back-off, doubled each time, capped. */
  static Duration backoff(StepRetry retry, int attempt) {
    long seconds = retry.effectiveBackoffSeconds() << Math.min(attempt - 1, 20);
    return Duration.ofSeconds(Math.min(seconds, retry.effectiveMaxBackoffSeconds()));
  }

  /** Automatic re-runs made for the step's current inputs. */
  static int attempts(StepStatus step) {
    return step == null || step.attempts == null ? 0 : step.attempts;
  }

  /** A failed step waits for a re-run the current spec.retry still allows; when, or empty. */
  static Optional<Instant> pending(StepStatus step, StepRetry retry) {
    if (step == null || step.state != StepState.Failed || step.nextRetryAt == null || attempts(step) >= retry.effectiveMaxAttempts()) {
      return Optional.empty();
    }
    return Optional.of(Instant.parse(step.nextRetryAt));
  }

  /** The re-run is due now. */
  static boolean due(StepStatus step, StepRetry retry, Instant now) {
    return pending(step, retry).map(at -> !now.isBefore(at)).orElse(false);
  }

  private static boolean rerunsBySelf(Step step) {
    return step == Step.INIT || step == Step.SNAPSHOT;
  }

  private static boolean targetEmptiedFirst(PgstreamPipelineSpec spec) {
    SnapshotSpec snapshot = spec.snapshot == null ? new SnapshotSpec() : spec.snapshot;
    return snapshot.cleansTarget() || snapshot.effectivePopulatedTarget() == PopulatedTargetPolicy.Truncate;
  }
}
