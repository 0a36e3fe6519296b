package io.pgstream.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.reconciler.PgstreamPipelineReconciler;
import java.time.Clock;
import java.util.Set;

/** Builds the operator: one controller for PgstreamPipeline. */
public final class PgstreamOperator {
  private PgstreamOperator() {}

  /**
   * @param namespaces namespaces to watch; empty for all
   * @param serverSideApply true on real clusters; false only against the Fabric8 mock server, whose
   *     CRUD mode does not implement server-side apply
   */
  public static Operator create(KubernetesClient client, Set<String> namespaces, boolean serverSideApply) {
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withSSABasedCreateUpdateMatchForDependentResources(serverSideApply)
                    .withUseSSAToPatchPrimaryResource(serverSideApply));
    operator.register(
        new PgstreamPipelineReconciler(client, new Preflight(DatabaseConnector.defaults()), Clock.systemUTC()),
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
