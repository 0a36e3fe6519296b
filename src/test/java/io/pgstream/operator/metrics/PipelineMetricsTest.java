package io.pgstream.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.slots.SlotHealth;
import io.pgstream.operator.support.Pipelines;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The series the chart's alert rules and dashboard read, as Prometheus scrapes them. */
class PipelineMetricsTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final PipelineMetrics metrics = new PipelineMetrics(registry);

  @Test
  void phaseStepsConditionsAndTheRetainedWalLimit() {
    var p = Pipelines.snapshotAndReplication("orders");
    p.getSpec().maxRetainedWalBytes = 2_000_000L;
    PgstreamPipelineStatus status = new PgstreamPipelineStatus();
    status.phase = Phase.Failed;
    status.init = step(StepState.Succeeded);
    status.snapshot = step(StepState.Failed);
    status.conditions = List.of(condition("Degraded", "True", "SlotLagHigh"), condition("Streaming", "False", "NotStarted"));

    metrics.reconciled(p, status);

    assertThat(registry.scrape())
        .contains("pgstream_pipeline_phase{namespace=\"default\",phase=\"Failed\",pipeline=\"orders\"} 1")
        .contains("pgstream_pipeline_phase{namespace=\"default\",phase=\"Streaming\",pipeline=\"orders\"} 0")
        .contains("pgstream_pipeline_step_state{namespace=\"default\",pipeline=\"orders\",state=\"Failed\",step=\"snapshot\"} 1")
        .contains("pgstream_pipeline_step_state{namespace=\"default\",pipeline=\"orders\",state=\"Succeeded\",step=\"snapshot\"} 0")
        .contains("pgstream_pipeline_step_state{namespace=\"default\",pipeline=\"orders\",state=\"Succeeded\",step=\"init\"} 1")
        .contains("pgstream_pipeline_step_state{namespace=\"default\",pipeline=\"orders\",state=\"Failed\",step=\"backfill\"} 0")
        .contains("pgstream_pipeline_condition{namespace=\"default\",pipeline=\"orders\",reason=\"SlotLagHigh\",type=\"Degraded\"} 1")
        .contains("pgstream_pipeline_condition{namespace=\"default\",pipeline=\"orders\",reason=\"NotStarted\",type=\"Streaming\"} 0")
        .contains("pgstream_pipeline_max_retained_wal_bytes{namespace=\"default\",pipeline=\"orders\"} 2000000")
        .contains("pgstream_pipeline_reconciles_total{namespace=\"default\",pipeline=\"orders\",result=\"success\"} 1")
        .contains("pgstream_pipeline_reconciles_total{namespace=\"default\",pipeline=\"orders\",result=\"error\"} 0");
  }

  @Test
  void aNewReasonReplacesTheSeriesAndAGoneConditionIsDropped() {
    var p = Pipelines.snapshotAndReplication("orders");
    PgstreamPipelineStatus status = new PgstreamPipelineStatus();
    status.conditions = List.of(condition("Degraded", "True", "SlotLagHigh"), condition("Streaming", "False", "NotStarted"));
    metrics.reconciled(p, status);

    status.conditions = List.of(condition("Degraded", "False", "AsExpected"));
    metrics.reconciled(p, status);

    assertThat(registry.scrape())
        .contains("pgstream_pipeline_condition{namespace=\"default\",pipeline=\"orders\",reason=\"AsExpected\",type=\"Degraded\"} 0")
        .doesNotContain("reason=\"SlotLagHigh\"")
        .doesNotContain("type=\"Streaming\"");
  }

  @Test
  void reconcilesAreCountedByResult() {
    var p = Pipelines.snapshotAndReplication("orders");
    metrics.reconcileFailed("default", "orders");
    metrics.reconcileFailed("default", "orders");
    metrics.reconciled(p, new PgstreamPipelineStatus());

    assertThat(registry.scrape())
        .contains("pgstream_pipeline_reconciles_total{namespace=\"default\",pipeline=\"orders\",result=\"error\"} 2")
        .contains("pgstream_pipeline_reconciles_total{namespace=\"default\",pipeline=\"orders\",result=\"success\"} 1")
        .as("no step has run: no state is current")
        .doesNotContain("pgstream_pipeline_step_state{namespace=\"default\",pipeline=\"orders\",state=\"Running\",step=\"init\"} 1");
  }

  @Test
  void aDeletedPipelineLeavesNoSeries() {
    var p = Pipelines.snapshotAndReplication("orders");
    PgstreamPipelineStatus status = new PgstreamPipelineStatus();
    status.conditions = List.of(condition("Ready", "True", "Streaming"));
    metrics.reconciled(p, status);
    metrics.reconcileFailed("default", "orders");
    metrics.verificationMismatches("default", "orders", 1);

    metrics.forget("default", "orders");

    assertThat(registry.scrape()).doesNotContain("pipeline=\"orders\"");
  }

  @Test
  void theSlotSaysWhetherAConsumerIsConnected() {
    SlotMetrics slots = new SlotMetrics(registry);
    slots.measured("uid-1", "default", "orders", "pgstream_orders", new SlotHealth(true, true, 10, 20, "reserved", List.of()), 1);
    assertThat(registry.scrape())
        .contains("pgstream_replication_slot_active{namespace=\"default\",pipeline=\"orders\",slot=\"pgstream_orders\"} 1")
        .contains("pgstream_replication_slot_retained_wal_bytes{namespace=\"default\",pipeline=\"orders\",slot=\"pgstream_orders\"} 20");

    slots.measured("uid-1", "default", "orders", "pgstream_orders", new SlotHealth(true, false, 10, 30, "reserved", List.of()), 2);
    assertThat(registry.scrape()).contains("pgstream_replication_slot_active{namespace=\"default\",pipeline=\"orders\",slot=\"pgstream_orders\"} 0");

    slots.forget("uid-1");
    assertThat(registry.scrape()).doesNotContain("pgstream_replication_slot_active");
  }

  private static StepStatus step(StepState state) {
    StepStatus s = new StepStatus();
    s.state = state;
    return s;
  }

  private static Condition condition(String type, String status, String reason) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage("m").build();
  }
}
