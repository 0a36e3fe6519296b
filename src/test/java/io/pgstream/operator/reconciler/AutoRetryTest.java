package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import io.pgstream.operator.api.StepRetry;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.support.Pipelines;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The rule for which failed steps run again by themselves, and when. */
class AutoRetryTest {
  static final String RESET = "exit code 1: read tcp 10.0.0.7:5432: connection reset by peer";

  @Test
  void initIsRetriedAfterAFailureThatMayPassButNotAfterOneThatNeedsAFix() {
    PgstreamPipelineSpec spec = Pipelines.onTestDatabase("orders").getSpec();
    assertThat(AutoRetry.refusal(Step.INIT, spec, null, RESET)).isEmpty();
    assertThat(AutoRetry.refusal(Step.INIT, spec, null, "ERROR: permission denied for database app (SQLSTATE 42501)")).isPresent();
    assertThat(AutoRetry.refusal(Step.INIT, spec, null, "FATAL: password authentication failed (SQLSTATE 28P01)")).isPresent();
    assertThat(AutoRetry.refusal(Step.INIT, spec, null, "ERROR: all replication slots are in use (SQLSTATE 53400)")).isPresent();
    assertThat(AutoRetry.refusal(Step.INIT, spec, null, "exit code 137: OOMKilled")).isPresent();
    assertThat(AutoRetry.refusal(Step.INIT, spec, null, "FATAL: the database system is starting up (SQLSTATE 57P03)")).isEmpty();
    assertThat(AutoRetry.refusal(Step.INIT, spec, "InitTimedOut", RESET)).isPresent();
  }

  @Test
  void aSnapshotIsRetriedOnlyWhereItsTargetIsEmptiedBeforeTheCopy() {
    PgstreamPipelineSpec spec = Pipelines.onTestDatabase("orders").getSpec();
    assertThat(AutoRetry.refusal(Step.SNAPSHOT, spec, null, RESET)).get().asString().contains("populatedTarget: Truncate");
    spec.snapshot.populatedTarget = PopulatedTargetPolicy.Truncate;
    assertThat(AutoRetry.refusal(Step.SNAPSHOT, spec, null, RESET)).isEmpty();
    assertThat(AutoRetry.refusal(Step.SNAPSHOT, spec, "SnapshotDisrupted", RESET)).isPresent();
    spec.snapshot.populatedTarget = null;
    spec.snapshot.schema = new SchemaSnapshotSpec();
    spec.snapshot.schema.cleanTargetDb = true;
    assertThat(AutoRetry.refusal(Step.SNAPSHOT, spec, null, RESET)).isEmpty();
    assertThat(AutoRetry.refusal(Step.BACKFILL, spec, null, RESET)).isPresent();
  }

  @Test
  void theBackOffDoublesUpToItsCap() {
    StepRetry retry = new StepRetry();
    assertThat(AutoRetry.backoff(retry, 1)).isEqualTo(Duration.ofSeconds(30));
    assertThat(AutoRetry.backoff(retry, 2)).isEqualTo(Duration.ofSeconds(60));
    assertThat(AutoRetry.backoff(retry, 5)).isEqualTo(Duration.ofSeconds(480));
    assertThat(AutoRetry.backoff(retry, 6)).isEqualTo(Duration.ofSeconds(600));
    assertThat(AutoRetry.backoff(retry, 100)).isEqualTo(Duration.ofSeconds(600));
  }

  @Test
  void aRetryIsDueOnlyAtItsTimeAndWhileTheSpecStillAllowsIt() {
    StepStatus failed = new StepStatus();
    failed.state = StepState.Failed;
    failed.attempts = 1;
    failed.nextRetryAt = "2026-01-01T00:00:30Z";
    StepRetry retry = new StepRetry();
    assertThat(AutoRetry.due(failed, retry, Instant.parse("2026-01-01T00:00:29Z"))).isFalse();
    assertThat(AutoRetry.due(failed, retry, Instant.parse("2026-01-01T00:00:30Z"))).isTrue();
    retry.maxAttempts = 1;
    assertThat(AutoRetry.due(failed, retry, Instant.parse("2026-01-01T00:01:00Z"))).as("maxAttempts lowered meanwhile").isFalse();
  }
}
