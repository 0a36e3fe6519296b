package io.pgstream.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.support.Pipelines;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Whatever path a database or pod text takes, the two ways out (conditions and Events) drop row values. */
@EnableKubernetesMockClient(crud = true)
class RowValuesInStatusTest {
  static final String ERROR =
      "pgstream snapshot failed: ERROR:  duplicate key value violates unique constraint \"users_email\"\n"
          + "DETAIL:  Key (lower(email::text))=(ann@example.com) already exists.";

  KubernetesClient client;

  @Test
  void aConditionMessageLosesRowValues() {
    PgstreamPipeline p = Pipelines.onTestDatabase("rv");
    StatusUpdater s = new StatusUpdater(p, Clock.systemUTC());
    s.set(ConditionType.Degraded, true, "SnapshotFailed", ERROR);
    assertThat(StatusUpdater.condition(s.status(), ConditionType.Degraded).orElseThrow().getMessage())
        .doesNotContain("ann@example.com")
        .endsWith("Key (lower(email::text))=(<redacted>) already exists.");
  }

  @Test
  void anEventMessageLosesRowValues() {
    PgstreamPipeline p = Pipelines.onTestDatabase("rv");
    p.getMetadata().setNamespace("default");
    new EventRecorder(client, Clock.systemUTC()).warning(p, "SnapshotFailed", ERROR);
    assertThat(client.v1().events().inNamespace("default").list().getItems())
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("ann@example.com").contains("(<redacted>) already exists"));
  }
}
