package io.pgstream.operator.support;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * API server errors on demand, for the operator's own client: an interceptor sends matching requests
 * to a loopback server that answers with the chosen HTTP status and a Kubernetes Status body, the
 * given number of times; everything else reaches the mock API server as usual.
 */
public final class FaultInjector implements Interceptor, AutoCloseable {
  private record Fault(String method, String pathPart, int status, String reason, AtomicInteger remaining, Runnable meanwhile) {}

  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final List<String> injected = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  public FaultInjector() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        ex -> {
          int status = Integer.parseInt(ex.getRequestHeaders().getFirst("X-Fault-Status"));
          String reason = ex.getRequestHeaders().getFirst("X-Fault-Reason");
          byte[] body =
              ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"" + reason
                      + "\",\"message\":\"injected " + reason + "\",\"code\":" + status + "}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(status, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  /** The next {@code times} requests with this method whose path contains {@code pathPart} fail so. */
  public void fail(String method, String pathPart, int status, String reason, int times) {
    conflict(method, pathPart, status, reason, times, () -> {});
  }

  /**
   * As {@link #fail}, running {@code meanwhile} first: for a 409, what the other writer did, so the
   * object really has a newer version when the operator looks again.
   */
  public void conflict(String method, String pathPart, int status, String reason, int times, Runnable meanwhile) {
    faults.add(new Fault(method, pathPart, status, reason, new AtomicInteger(times), meanwhile));
  }

  /**
   * The next {@code times} requests, whatever their method, whose path contains {@code pathPart} run
   * {@code meanwhile} first (what another writer did just before) and then reach the API server as usual.
   */
  public void before(String pathPart, int times, Runnable meanwhile) {
    faults.add(new Fault(null, pathPart, 0, null, new AtomicInteger(times), meanwhile));
  }

  /** "METHOD path" of every request answered with an injected error or preceded by another writer. */
  public List<String> injected() {
    return List.copyOf(injected);
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    String path = request.uri().getRawPath();
    for (Fault f : faults) {
      if ((f.method() == null || f.method().equals(request.method()))
          && path.contains(f.pathPart())
          && f.remaining().getAndDecrement() > 0) {
        injected.add(request.method() + " " + path);
        f.meanwhile().run();
        if (f.method() == null) {
          return;
        }
        builder.uri(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path));
        builder.setHeader("X-Fault-Status", Integer.toString(f.status()));
        builder.setHeader("X-Fault-Reason", f.reason());
        return;
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
