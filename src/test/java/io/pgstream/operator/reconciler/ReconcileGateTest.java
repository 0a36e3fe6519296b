package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReconcileGateTest {
  final ReconcileGate gate = new ReconcileGate();

  @Test
  void aClosedGateStartsNoReconcile() {
    assertThat(gate.closeAndDrain(Duration.ZERO)).isTrue();
    assertThat(gate.enter()).isFalse();
  }

  @Test
  void closingWaitsUntilTheRunningReconcileIsOver() throws Exception {
    assertThat(gate.enter()).isTrue();
    AtomicBoolean finished = new AtomicBoolean();
    Thread reconcile = new Thread(() -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      finished.set(true);
      gate.exit();
    });
    reconcile.start();

    assertThat(gate.closeAndDrain(Duration.ofSeconds(30))).isTrue();
    assertThat(finished).as("the reconcile ended before the stop went on").isTrue();
    reconcile.join();
  }

  @Test
  void closingGivesUpOnAReconcileThatOutlastsTheGrace() {
    assertThat(gate.enter()).isTrue();
    assertThat(gate.closeAndDrain(Duration.ofMillis(100))).isFalse();
  }
}
