package io.pgstream.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.reconciler.PgstreamPipelineReconciler;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/** Builds the operator: one controller for PgstreamPipeline. */
public final class PgstreamOperator {
  /** Within the chart's terminationGracePeriodSeconds (30). */
  static final Duration RECONCILE_GRACE = Duration.ofSeconds(20);

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
    Operator operator =
        new Operator(
            o ->
            {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withResourceCloner(new PipelineCloner(client))
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(settings.registry()))
                  // On stop (SIGTERM), in-flight reconciles finish instead of being interrupted halfway.
                  .withReconciliationTerminationTimeout(RECONCILE_GRACE)
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
        new PgstreamPipelineReconciler(client, settings, Clock.systemUTC()),
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
}
