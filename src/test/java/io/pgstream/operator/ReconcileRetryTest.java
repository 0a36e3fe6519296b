package io.pgstream.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.reconciler.PgstreamPipelineReconciler;
import io.pgstream.operator.support.FaultInjector;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review M10: a reconcile that keeps throwing is retried without a give-up, and every pipeline is
 * looked at again within 10 minutes; L5: a reconcile re-run after a conflict tells its Events once.
 */
@EnableKubernetesMockClient(crud = true)
class ReconcileRetryTest {
  KubernetesClient client;
  final FaultInjector faults = new FaultInjector();
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  Operator operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.stop();
    }
    faults.close();
    TestDatabases.dropSlots();
  }

  @Test
  void theControllerRetriesForeverBackingOffToFiveMinutesAndLooksAgainWithinTenMinutes() {
    operator = PgstreamOperator.create(client, OperatorSettings.forMockServer());
    ControllerConfiguration<?> config =
        operator.getRegisteredController(PgstreamPipelineReconciler.NAME).orElseThrow().getConfiguration();
    assertThat(config.getRetry()).isInstanceOfSatisfying(GenericRetry.class, retry -> {
      assertThat(retry.getMaxAttempts()).as("no give-up").isEqualTo(-1);
      assertThat(retry.getMaxInterval()).isEqualTo(Duration.ofMinutes(5).toMillis());
    });
    assertThat(config.maxReconciliationInterval()).isEqualTo(Optional.of(Duration.ofMinutes(10)));
  }

  /**
   * The status write fails 20 times in a row (each failed reconcile also fails its error-status write,
   * so at least 10 attempts fail), then the API server recovers: the pipeline gets its status. With
   * JOSDK's default of 5 attempts it never would. The retry's times are the controller's, divided by 100.
   */
  @Test
  void aReconcileThatFailsMoreThanFiveTimesIsRetriedUntilItSucceeds() {
    GradualRetry annotated = PgstreamPipelineReconciler.class.getAnnotation(GradualRetry.class);
    GenericRetry scaled =
        new GenericRetry()
            .setMaxAttempts(annotated == null ? GradualRetry.DEFAULT_MAX_ATTEMPTS : annotated.maxAttempts())
            .setInitialInterval(GradualRetry.DEFAULT_INITIAL_INTERVAL / 100)
            .setIntervalMultiplier(GradualRetry.DEFAULT_MULTIPLIER)
            .setMaxInterval((annotated == null ? GradualRetry.DEFAULT_MAX_INTERVAL : annotated.maxInterval()) / 100);
    int failures = 20;
    // The reconcile writes the status whole (PUT); its error status is patched (PATCH).
    faults.fail("PUT", "/pgstreampipelines/retried/status", 500, "InternalError", failures);
    faults.fail("PATCH", "/pgstreampipelines/retried/status", 500, "InternalError", failures);
    startOperator(c -> c.withRetry(scaled));
    apply("retried");

    await().atMost(Duration.ofSeconds(90)).until(() -> pipeline("retried").getStatus() != null);
    assertThat(faults.injected()).filteredOn(r -> r.startsWith("PUT")).hasSize(failures);
    assertThat(reconciles("retried", "error")).as("each failed status write is a failed reconcile").isEqualTo(failures);
    assertThat(reconciles("retried", "success")).isGreaterThanOrEqualTo(1);
  }

  private double reconciles(String pipeline, String result) {
    return metrics.get("pgstream_pipeline_reconciles").tag("pipeline", pipeline).tag("result", result).counter().count();
  }

  /**
   * Review L5: Events are written after the status. A status write that fails makes JOSDK run the
   * reconcile again (a 409 no longer does: JOSDK re-applies the status to the fresh object itself);
   * the phase's Event is written once.
   */
  @Test
  void aFailedStatusWriteDoesNotRepeatTheEvents() {
    faults.fail("PUT", "/pgstreampipelines/rewritten/status", 500, "InternalError", 1);
    startOperator(c -> {});
    apply("rewritten");

    await().atMost(Duration.ofSeconds(90)).until(() -> pipeline("rewritten").getStatus() != null
        && pipeline("rewritten").getStatus().phase == Phase.Initializing);
    assertThat(faults.injected()).hasSize(1);
    // The Event follows the status write: wait for it, then give a repeat the time to show.
    await().until(() -> eventReasons().contains(Phase.Initializing.name()));
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(eventReasons()).containsOnlyOnce(Phase.Initializing.name());
  }

  private List<String> eventReasons() {
    return client.v1().events().inNamespace(Pipelines.NAMESPACE).list().getItems().stream().map(Event::getReason).toList();
  }

  /** The operator with a client whose requests pass the fault injector, one request per fault. */
  private void startOperator(Consumer<ControllerConfigurationOverrider<PgstreamPipeline>> overrides) {
    KubernetesClient operatorClient =
        new KubernetesClientBuilder()
            // One request, one fault: the client itself does not retry.
            .withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("faults", faults))
            .build();
    operator =
        PgstreamOperator.create(operatorClient, OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS).withRegistry(metrics), () -> {}, overrides);
    operator.start();
  }

  private void apply(String name) {
    for (Secret s : Pipelines.secretsFor(name)) {
      client.resource(s).create();
    }
    client.resource(Pipelines.onTestDatabase(name)).create();
  }

  private PgstreamPipeline pipeline(String name) {
    return client.resources(PgstreamPipeline.class).inNamespace(Pipelines.NAMESPACE).withName(name).get();
  }
}
