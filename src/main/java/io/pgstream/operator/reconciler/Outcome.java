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

  /** This outcome, or {@code other}'s recheck when that comes sooner. */
  Outcome orSooner(Optional<Duration> other) {
    if (other.isEmpty() || (recheckAfter.isPresent() && recheckAfter.get().compareTo(other.get()) <= 0)) {
      return this;
    }
    return new Outcome(other);
  }
}
