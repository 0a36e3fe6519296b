package io.pgstream.operator.reconciler;

import java.time.Duration;
import java.util.Optional;

/** When the reconciler wants to look again without an event; empty means "on the next change". */
record Outcome(Optional<Duration> recheckAfter) {
  static Outcome onChange() {
    return new Outcome(Optional.empty());
  }

  static Outcome after(Duration delay) {
    return new Outcome(Optional.of(delay));
  }
}
