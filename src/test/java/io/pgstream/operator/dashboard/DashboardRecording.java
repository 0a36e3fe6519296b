package io.pgstream.operator.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.SlotConsumer;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code make dashboard}: runs the operator against the mock API server and a real PostgreSQL (the tier of
 * {@code make test}; no pgstream runs, the kubelet is played by {@link FakeKubelet} and pgstream's reading of the
 * slot by a real logical replication consumer), scrapes the operator's metrics every half second through a
 * scripted run, and draws the chart's dashboard from those series into results/dashboard.png.
 */
public final class DashboardRecording {
  private static final double SCRAPE_SECONDS = 0.5;
  private static final String NS = Pipelines.NAMESPACE;

  public static void main(String[] args) throws Exception {
    TestPostgres pg = TestDatabases.ready();
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.expectCustomResource(CustomResourceDefinitionContext.fromCustomResourceType(PgstreamPipeline.class));
    server.init();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Recording recording = new Recording();
    ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();
    long start = System.nanoTime();
    try (KubernetesClient client = server.createClient()) {
      Operator operator =
          PgstreamOperator.create(
              client,
              OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS).withRegistry(registry).withSlotCheckInterval(Duration.ofSeconds(1)));
      // What GET /metrics answers (OperatorHttpServer serves registry.scrape()).
      scraper.scheduleAtFixedRate(
          () -> recording.scraped((System.nanoTime() - start) / 1e9, registry.scrape()), 0, (long) (SCRAPE_SECONDS * 1000), TimeUnit.MILLISECONDS);
      operator.start();
      FakeKubelet kubelet = new FakeKubelet(client);
      String slot = ReplicationSlots.defaultName(NS, "orders");

      PgstreamPipeline orders = Pipelines.onTestDatabase("orders");
      orders.getSpec().maxRetainedWalBytes = 32L << 20;
      Pipelines.secretsFor("orders").forEach(s -> client.resource(s).create());
      client.resource(orders).create();
      PgstreamPipeline events = Pipelines.onTestDatabase("events");
      events.getSpec().maxRetainedWalBytes = 32L << 20;
      Pipelines.secretsFor("events").forEach(s -> client.resource(s).create());
      client.resource(events).create();

      until(() -> client.batch().v1().jobs().inNamespace(NS).withName("orders-init").get() != null);
      TestDatabases.createSlot(slot);
      sleep(3);
      kubelet.jobSucceeded(NS, "orders-init");
      until(() -> client.batch().v1().jobs().inNamespace(NS).withName("events-init").get() != null);
      kubelet.jobFailed(NS, "events-init", "ERROR: permission denied for database app_source");
      until(() -> client.batch().v1().jobs().inNamespace(NS).withName("orders-snapshot").get() != null);
      sleep(4);
      kubelet.jobSucceeded(NS, "orders-snapshot");
      until(() -> client.apps().deployments().inNamespace(NS).withName("orders-stream").get() != null);
      kubelet.streamingPodRunning(NS, "orders-stream");

      try (SlotConsumer consumer = new SlotConsumer(pg, TestDatabases.SOURCE_DB, slot, "pgstream")) {
        // Streaming and keeping up: writes, each confirmed within half a second.
        write(pg, consumer, 20);
      }
      // pgstream gone: nothing confirms, lag and retained WAL grow past the 32 MiB limit (Degraded, SlotLagHigh).
      kubelet.streamingPodCrashing(NS, "orders-stream", "error: connection to target refused");
      write(pg, null, 20);
      kubelet.streamingPodRunning(NS, "orders-stream");
      try (SlotConsumer consumer = new SlotConsumer(pg, TestDatabases.SOURCE_DB, slot, "pgstream")) {
        // Back: it reads the backlog and confirms it, then keeps up again.
        write(pg, consumer, 20);
      }
      operator.stop();
    } finally {
      scraper.shutdownNow();
      server.destroy();
    }
    Path dir = Path.of("results");
    Files.createDirectories(dir);
    new DashboardPainter(recording, 4 * SCRAPE_SECONDS)
        .paint(
            new ObjectMapper().readTree(Path.of("charts/pgstream-operator/dashboards/pgstream-pipelines.json").toFile()),
            String.format(
                "Drawn with Java2D from the chart's dashboard JSON over the operator's /metrics, scraped every %.1f s in `make dashboard`"
                    + " (mock API server, real PostgreSQL, no pgstream): not a Grafana screenshot.",
                SCRAPE_SECONDS),
            dir.resolve("dashboard.png"));
    TestDatabases.dropSlots();
    System.out.println("wrote results/dashboard.png from " + recording.samples().size() + " series over " + Math.round(recording.end()) + " s");
    System.exit(0);
  }

  /** About 1.3 MB of WAL a second for {@code seconds}; a consumer, if any, confirms what it received every half second. */
  private static void write(TestPostgres pg, SlotConsumer consumer, int seconds) throws Exception {
    for (int i = 0; i < seconds * 2; i++) {
      pg.execute(
          TestDatabases.SOURCE_DB,
          "INSERT INTO public.orders SELECT g, g FROM generate_series(1, 5000) g ON CONFLICT (id) DO UPDATE SET total = orders.total + 1");
      if (consumer != null) {
        consumer.confirmReceived();
      }
      Thread.sleep(500);
    }
  }

  private static void until(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out");
      }
      Thread.sleep(100);
    }
  }

  private static void sleep(int seconds) throws InterruptedException {
    Thread.sleep(seconds * 1000L);
  }
}
