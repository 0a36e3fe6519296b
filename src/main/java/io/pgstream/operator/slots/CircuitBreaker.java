package io.pgstream.operator.slots;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Per source server: after {@code threshold} consecutive failed checks the server is left alone for
 * a backoff that doubles with each further failure (up to {@code max}), so a hung or refusing
 * server costs one attempt per backoff instead of one per interval.
 */
public final class CircuitBreaker {
  private final int threshold;
  private final Duration base;
  private final Duration max;
  private final Clock clock;
  private int failures;
  private Instant openUntil = Instant.MIN;

  public CircuitBreaker(int threshold, Duration base, Duration max, Clock clock) {
    this.threshold = threshold;
    this.base = base;
    this.max = max;
    this.clock = clock;
  }

  public synchronized boolean allows() {
    return !Instant.now(clock).isBefore(openUntil);
  }

  public synchronized void success() {
    failures = 0;
    openUntil = Instant.MIN;
  }

  /** @return the consecutive failures so far */
  public synchronized int failure() {
    failures++;
    if (failures >= threshold) {
      int doublings = Math.min(failures - threshold, 20);
      Duration backoff = base.multipliedBy(1L << doublings);
      openUntil = Instant.now(clock).plus(backoff.compareTo(max) > 0 ? max : backoff);
    }
    return failures;
  }

  public synchronized boolean open() {
    return failures >= threshold && !allows();
  }
}
