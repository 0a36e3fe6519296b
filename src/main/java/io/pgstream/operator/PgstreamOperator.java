package io.pgstream.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.reconciler.PgstreamPipelineReconciler;
import io.pgstream.operator.reconciler.ReconcileGate;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the operator: one controller for PgstreamPipeline. */
public final class PgstreamOperator {
  private static final Logger LOG = LoggerFactory.getLogger(PgstreamOperator.class);
  /**
   * How long a stop waits for the reconciles in flight while the informers still run, then how long JOSDK waits for
   * any left after stopping them: within the chart's terminationGracePeriodSeconds (30) together.
   */
  static final Duration RECONCILE_GRACE = Duration.ofSeconds(20);
  static final Duration LATE_RECONCILE_GRACE = Duration.ofSeconds(5);

  private PgstreamOperator() {}

  public static Operator create(KubernetesClient client, OperatorSettings settings) {
    return create(client, settings, () -> {});
  }

  /** With leader election, {@code onLostLeadership} runs when the Lease is lost or released. */
  public static Operator create(KubernetesClient client, OperatorSettings settings, Runnable onLostLeadership) {
    return create(client, settings, onLostLeadership, c -> {});
  }

  /** {@code overrides} change the controller's configuration after the operator's own (tests scale the retry's time). */
  static Operator create(
      KubernetesClient client,
      OperatorSettings settings,
      Runnable onLostLeadership,
      Consumer<ControllerConfigurationOverrider<PgstreamPipeline>> overrides) {
    boolean ssa = settings.serverSideApply();
    PgstreamPipelineReconciler reconciler = new PgstreamPipelineReconciler(client, settings, Clock.systemUTC());
    Operator operator =
        new GracefulOperator(
            reconciler.gate(),
            o ->
            {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withResourceCloner(new PipelineCloner(client))
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(settings.registry()))
                  // A reconcile still running once GracefulOperator's wait is over gets this long before it is interrupted.
                  .withReconciliationTerminationTimeout(LATE_RECONCILE_GRACE)
                  .withSSABasedCreateUpdateMatchForDependentResources(ssa)
                  .withUseSSAToPatchPrimaryResource(ssa);
              settings
                  .leaderElectionNamespace()
                  .ifPresent(
                      ns ->
                          o.withLeaderElectionConfiguration(
                              LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(OperatorSettings.LEASE_NAME)
                                  .withLeaseNamespace(ns)
                                  .withExitOnStopLeading(false)
                                  .withLeaderCallbacks(new LeaderCallbacks(() -> {}, onLostLeadership, leader -> {}))
                                  .build()));
            });
    operator.register(
        reconciler,
        c -> {
          if (settings.namespaces().isEmpty()) {
            c.watchingAllNamespaces();
          } else {
            c.settingNamespaces(settings.namespaces());
          }
          overrides.accept(c);
        });
    return operator;
  }

  /** On stop (SIGTERM, lost leadership), the reconciles in flight finish while the informers they read still run. */
  private static final class GracefulOperator extends Operator {
    private final ReconcileGate gate;

    GracefulOperator(ReconcileGate gate, Consumer<ConfigurationServiceOverrider> overrider) {
      super(overrider);
      this.gate = gate;
    }

    @Override
    public void stop() {
      if (!gate.closeAndDrain(RECONCILE_GRACE)) {
        LOG.warn("Reconciles still running after {}; the informers stop under them", RECONCILE_GRACE);
      }
      super.stop();
    }
  }
}
