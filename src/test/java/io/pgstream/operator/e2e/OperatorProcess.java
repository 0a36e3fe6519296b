package io.pgstream.operator.e2e;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The operator as it ships: deploy/ applied with kubectl (CRD, service account, RBAC), the jar started
 * with the Deployment's arguments and the service account's token, its log in the e2e work directory.
 */
final class OperatorProcess implements AutoCloseable {
  static final String NAMESPACE = "pgstream-system";
  static final Path DEPLOY = Path.of("deploy/pgstream-operator.yaml");

  private final Process process;
  private final Path log;
  private final int httpPort;

  private OperatorProcess(Process process, Path log, int httpPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
  }

  /** Starts the operator with the shipped arguments, a free HTTP port, a 5 s slot check and {@code extraArgs}. */
  static OperatorProcess start(KubernetesClient admin, String name, List<String> extraArgs) throws IOException {
    Peers.kubectlOk("apply", "--server-side", "-f", DEPLOY.toString());
    String token = Peers.kubectlOk("-n", NAMESPACE, "create", "token", "pgstream-operator", "--duration=1h").trim();
    Path kubeconfig = Peers.work().resolve(name + ".kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: e2e, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        users: [{name: pgstream-operator, user: {token: "%s"}}]
        contexts: [{name: e2e, context: {cluster: e2e, user: pgstream-operator}}]
        current-context: e2e
        """
            .formatted(admin.getMasterUrl(), token));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of("java", "-jar", jar().toString()));
    command.addAll(shippedArgs(admin, port));
    command.addAll(extraArgs);
    Path log = Peers.work().resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    return new OperatorProcess(pb.start(), log, port);
  }

  private static List<String> shippedArgs(KubernetesClient admin, int httpPort) throws IOException {
    Deployment deployment;
    try (InputStream in = new FileInputStream(DEPLOY.toFile())) {
      deployment =
          admin.load(in).items().stream()
              .filter(Deployment.class::isInstance)
              .map(Deployment.class::cast)
              .findFirst()
              .orElseThrow();
    }
    List<String> args = new ArrayList<>();
    for (String arg : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()) {
      args.add(
          arg.startsWith("--http-port=") ? "--http-port=" + httpPort
              : arg.startsWith("--slot-check-interval=") ? "--slot-check-interval=5"
              : arg);
    }
    return args;
  }

  private static Path jar() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(f -> f.getFileName().toString().matches("pgstream-operator-.*\\.jar"))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no operator jar in target/: mvn package first"));
    }
  }

  /** GET on the operator's HTTP port ({@code /readyz}) or a full URL; true on 200. */
  boolean ok(String url) {
    String full = url.startsWith("/") ? "http://127.0.0.1:" + httpPort + url : url;
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(full)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no operator log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, and the operator must exit within 40 s (it releases its lease for the next one). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(40, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the operator did not exit within 40 s of SIGTERM:\n" + output());
    }
  }
}
