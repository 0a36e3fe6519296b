package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** How a pipeline that cannot go on says so in status, and when it looks again. */
final class Blocking {
  static final Duration MIN_RECHECK = Duration.ofSeconds(10);
  static final Duration MAX_RECHECK = Duration.ofMinutes(5);

  private Blocking() {}

  static void blocked(StatusUpdater s, String reason, String message) {
    s.set(ConditionType.Degraded, true, reason, message);
    s.set(ConditionType.Ready, false, reason, message);
  }

  /** The pipeline waits on something outside Kubernetes: say so, and look again after a growing delay. */
  static Outcome waitFor(StatusUpdater s, Phase phase, Blocker blocker, Clock clock) {
    s.phase(phase);
    blocked(s, blocker.reason(), blocker.message());
    return Outcome.after(recheckDelay(s.status(), clock));
  }

  /** Doubles with the time the problem has lasted, between 10 s and 5 min. */
  static Duration recheckDelay(PgstreamPipelineStatus status, Clock clock) {
    Instant since =
        StatusUpdater.condition(status, ConditionType.Degraded)
            .map(c -> Instant.parse(c.getLastTransitionTime()))
            .orElse(Instant.now(clock));
    Duration elapsed = Duration.between(since, Instant.now(clock));
    if (elapsed.compareTo(MIN_RECHECK) < 0) {
      return MIN_RECHECK;
    }
    return elapsed.compareTo(MAX_RECHECK) > 0 ? MAX_RECHECK : elapsed;
  }
}
