package io.pgstream.operator.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The operator pod's HTTP endpoints: {@code /metrics} (Prometheus), {@code /healthz} (liveness: the
 * informers are healthy) and {@code /readyz} (readiness: the operator has started).
 */
final class OperatorHttpServer implements AutoCloseable {
  private final HttpServer server;

  OperatorHttpServer(int port, Operator operator, PrometheusMeterRegistry registry) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.createContext(
        "/healthz",
        ex -> {
          boolean healthy = operator.getRuntimeInfo().allEventSourcesAreHealthy();
          send(ex, healthy ? 200 : 503, "text/plain", healthy ? "ok\n" : "informers unhealthy\n");
        });
    server.createContext(
        "/readyz",
        ex -> {
          boolean started = operator.getRuntimeInfo().isStarted();
          send(ex, started ? 200 : 503, "text/plain", started ? "ok\n" : "starting\n");
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
