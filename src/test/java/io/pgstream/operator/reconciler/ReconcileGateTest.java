package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReconcileGateTest {
  final ReconcileGate gate = new ReconcileGate();
  final CountDownLatch entered = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicBoolean finished = new AtomicBoolean();

  @Test
  void aClosedGateRunsNoReconcile() {
    assertThat(gate.closeAndDrain(Duration.ZERO)).isTrue();
    assertThat(gate.pass(() -> "reconciled", "refused")).isEqualTo("refused");
  }

  @Test
  void closingWaitsUntilTheRunningReconcileIsOver() throws Exception {
    Thread reconcile = runningReconcile();
    release.countDown();

    assertThat(gate.closeAndDrain(Duration.ofSeconds(30))).isTrue();
    assertThat(finished).as("the reconcile ended before the stop went on").isTrue();
    reconcile.join();
  }

  @Test
  void closingGivesUpOnAReconcileThatOutlastsTheGrace() throws Exception {
    Thread reconcile = runningReconcile();

    assertThat(gate.closeAndDrain(Duration.ofMillis(100))).isFalse();
    assertThat(finished).isFalse();
    release.countDown();
    reconcile.join();
  }

  /** A reconcile that has entered the gate and ends once {@link #release} opens. */
  private Thread runningReconcile() throws InterruptedException {
    Thread t = new Thread(() -> gate.pass(() -> {
      entered.countDown();
      try {
        release.await();
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      finished.set(true);
      return null;
    }, null));
    t.start();
    entered.await();
    return t;
  }
}
