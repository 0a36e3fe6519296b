package io.pgstream.operator.cli;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.OperatorException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.preflight.DatabaseConnector;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the operator against the cluster of the current kubeconfig or in-cluster service account. */
@Command(name = "run", description = "Run the operator (the default).")
class RunCommand implements Callable<Integer> {
  @Option(
      names = {"-n", "--namespace"},
      description = "Namespace to watch; repeat for several. All namespaces when omitted.")
  List<String> namespaces = List.of();

  @Option(names = "--metrics-port", defaultValue = "8080", description = "Port of the Prometheus /metrics endpoint; 0 disables it.")
  int metricsPort;

  @Option(
      names = "--slot-check-interval",
      defaultValue = "60",
      description = "Seconds between measurements of each streaming pipeline's replication slot.")
  long slotCheckSeconds;

  @Option(
      names = "--aws-endpoint-url",
      description = "AWS API endpoint override, for an emulator; AWS itself when omitted (also AWS_ENDPOINT_URL).")
  URI awsEndpoint;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException, IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorSettings settings =
        new OperatorSettings(
            new LinkedHashSet<>(namespaces),
            true,
            registry,
            Duration.ofSeconds(slotCheckSeconds),
            Optional.ofNullable(awsEndpoint),
            DatabaseConnector.defaults());
    Operator operator = PgstreamOperator.create(client, settings);
    try {
      operator.start();
    } catch (OperatorException e) {
      spec.commandLine()
          .getErr()
          .printf(
              "error: the operator could not start against %s: is the API server reachable with this"
                  + " kubeconfig or service account, and is the CRD from crds/ installed?%n",
              client.getMasterUrl());
      client.close();
      return 1;
    }
    HttpServer metrics = metricsPort > 0 ? metricsServer(registry) : null;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.stop();
                  if (metrics != null) {
                    metrics.stop(0);
                  }
                  client.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  private HttpServer metricsServer(PrometheusMeterRegistry registry) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(metricsPort), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return server;
  }
}
