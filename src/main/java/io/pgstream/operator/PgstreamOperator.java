package io.pgstream.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.reconciler.PgstreamPipelineReconciler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/** Builds the operator: one controller for PgstreamPipeline. */
public final class PgstreamOperator {
  private PgstreamOperator() {}

  /**
   * @param namespaces namespaces to watch; empty for all
   * @param serverSideApply true on real clusters; false only against the Fabric8 mock server, whose
   *     CRUD mode does not implement server-side apply
   */
  public static final Duration DEFAULT_SLOT_CHECK_INTERVAL = Duration.ofSeconds(60);

  public static Operator create(KubernetesClient client, Set<String> namespaces, boolean serverSideApply) {
    return create(client, namespaces, serverSideApply, new SimpleMeterRegistry(), DEFAULT_SLOT_CHECK_INTERVAL);
  }

  public static Operator create(
      KubernetesClient client,
      Set<String> namespaces,
      boolean serverSideApply,
      MeterRegistry registry,
      Duration slotCheckInterval) {
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withSSABasedCreateUpdateMatchForDependentResources(serverSideApply)
                    .withUseSSAToPatchPrimaryResource(serverSideApply));
    operator.register(
        new PgstreamPipelineReconciler(client, DatabaseConnector.defaults(), registry, slotCheckInterval, Clock.systemUTC()),
        c -> {
          if (namespaces.isEmpty()) {
            c.watchingAllNamespaces();
          } else {
            c.settingNamespaces(namespaces);
          }
        });
    return operator;
  }
}
