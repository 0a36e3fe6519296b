package io.pgstream.operator.cli;

import io.pgstream.operator.config.ReplicationSlots;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The operator pod's /metrics, /healthz and /readyz, scraped over HTTP while a pipeline streams. */
@EnableKubernetesMockClient(crud = true)
class OperatorHttpServerTest {
  KubernetesClient client;

  @Test
  void servesMetricsHealthAndReadiness() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Operator operator =
        PgstreamOperator.create(
            client, OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS).withRegistry(registry).withSlotCheckInterval(Duration.ofSeconds(1)));
    try (OperatorHttpServer http = new OperatorHttpServer(0, operator, registry)) {
      assertThat(get(http, "/readyz").statusCode()).as("not started yet").isEqualTo(503);
      operator.start();
      PgstreamPipeline p = Pipelines.onTestDatabase("metrics");
      Pipelines.secretsFor("metrics").forEach(s -> client.resource(s).create());
      client.resource(p).create();
      FakeKubelet kubelet = new FakeKubelet(client);
      await().until(() -> client.batch().v1().jobs().inNamespace("default").withName("metrics-init").get() != null);
      TestDatabases.createSlot(ReplicationSlots.defaultName("default", "metrics"));
      kubelet.jobSucceeded("default", "metrics-init");
      await().until(() -> client.batch().v1().jobs().inNamespace("default").withName("metrics-snapshot").get() != null);
      kubelet.jobSucceeded("default", "metrics-snapshot");
      await().until(() -> client.apps().deployments().inNamespace("default").withName("metrics-stream").get() != null);
      await().until(() -> get(http, "/metrics").body().contains("pgstream_replication_slot_retained_wal_bytes"));

      String metrics = get(http, "/metrics").body();
      assertThat(metrics)
          .contains("pgstream_pipeline_phase{namespace=\"default\",phase=\"" + Phase.Streaming + "\",pipeline=\"metrics\"} 1.0")
          .contains("pgstream_pipeline_phase{namespace=\"default\",phase=\"" + Phase.Failed + "\",pipeline=\"metrics\"} 0.0")
          .contains("pgstream_replication_slot_lag_bytes{namespace=\"default\",pipeline=\"metrics\",slot=\"" + ReplicationSlots.defaultName("default", "metrics") + "\"}")
          .contains("pgstream_pipeline_condition{namespace=\"default\",pipeline=\"metrics\",reason=\"Succeeded\",type=\"Initialized\"} 1.0")
          .contains("pgstream_pipeline_step_state{namespace=\"default\",pipeline=\"metrics\",state=\"Succeeded\",step=\"snapshot\"} 1.0")
          .containsPattern("pgstream_pipeline_reconciles_total\\{namespace=\"default\",pipeline=\"metrics\",result=\"success\"\\} [1-9]")
          .contains("pgstream_replication_slot_active{namespace=\"default\",pipeline=\"metrics\",slot=\"" + ReplicationSlots.defaultName("default", "metrics") + "\"} 0.0")
          .containsPattern("operator_sdk_reconciliations_\\w+_total");
      assertThat(get(http, "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(http, "/readyz").statusCode()).isEqualTo(200);
    } finally {
      operator.stop();
      TestDatabases.dropSlots();
    }
  }

  private static HttpResponse<String> get(OperatorHttpServer http, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
