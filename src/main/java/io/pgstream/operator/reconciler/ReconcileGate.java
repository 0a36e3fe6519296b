package io.pgstream.operator.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Lets the reconciles in flight finish before the operator stops its informers. JOSDK stops the event sources first
 * and waits for the reconciles after: a reconcile still running then reads emptied caches, finds no Job where one
 * runs, and writes a status the next operator acts on. Closed, the gate starts no reconcile and waits for the
 * running ones.
 */
public final class ReconcileGate {
  private static final Duration POLL = Duration.ofMillis(20);

  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger running = new AtomicInteger();

  /** The reconcile's result, or {@code whenClosed} without running it once the gate is closed. */
  <T> T pass(Supplier<T> reconcile, T whenClosed) {
    running.incrementAndGet();
    try {
      return closed.get() ? whenClosed : reconcile.get();
    } finally {
      running.decrementAndGet();
    }
  }

  /** Starts no more reconciles and waits up to {@code grace} for the running ones; true when none runs any more. */
  public boolean closeAndDrain(Duration grace) {
    closed.set(true);
    Instant deadline = Instant.now().plus(grace);
    while (running.get() > 0 && Instant.now().isBefore(deadline)) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return running.get() == 0;
  }
}
