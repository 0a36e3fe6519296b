package io.pgstream.operator.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import java.time.Duration;

/** The operator as the lifecycle tests run it against the mock API server. */
public final class TestOperators {
  private TestOperators() {}

  /** Started, with the chart's runner images and slots measured every second. */
  public static Operator started(KubernetesClient client) {
    Operator operator =
        PgstreamOperator.create(
            client,
            OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS).withSlotCheckInterval(Duration.ofSeconds(1)));
    operator.start();
    return operator;
  }
}
