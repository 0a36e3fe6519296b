package io.pgstream.operator.bench;

import io.pgstream.operator.support.Pipelines;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator as users run it ({@code Main run}), in a JVM of its own so that its heap and RSS are its
 * own, with its own kubeconfig (the audit log tells its requests apart). Its /metrics tell how many
 * reconciles it ran; jcmd measures its heap after a full GC.
 */
final class OperatorProcess implements AutoCloseable {
  private static final Pattern RECONCILES = Pattern.compile("(?m)^operator_sdk_reconciliations_started_total\\{[^}]*} ([0-9.E]+)");
  private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");

  private final Process process;
  private final int httpPort;
  private final HttpClient http = HttpClient.newHttpClient();
  final Instant started;

  private OperatorProcess(Process process, int httpPort, Instant started) {
    this.process = process;
    this.httpPort = httpPort;
    this.started = started;
  }

  static OperatorProcess start(Path kubeconfig, List<String> namespaces, int httpPort, List<String> jvmOptions, Path log) throws IOException {
    return start(kubeconfig, namespaces, httpPort, jvmOptions, List.of(), log);
  }

  /** With {@code flags} added to {@code run}'s own. */
  static OperatorProcess start(Path kubeconfig, List<String> namespaces, int httpPort, List<String> jvmOptions, List<String> flags, Path log)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    // The product's logging, not the tests' (logback-test.xml, first on the test classpath), which keeps
    // every debug line in memory for the leak checks: about 18 KiB of heap per pipeline, and the CPU to format them.
    command.add("-Dlogback.configurationFile=logback.xml");
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.pgstream.operator.cli.Main", "run", "--http-port=" + httpPort));
    Pipelines.RUNNERS.forEach((major, image) -> command.add("--runner-image=" + major + "=" + image));
    namespaces.forEach(ns -> command.add("--namespace=" + ns));
    command.addAll(flags);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    Instant started = Instant.now();
    return new OperatorProcess(builder.start(), httpPort, started);
  }

  /** Reconciles started so far; -1 before /metrics answers. */
  double reconciles() {
    try {
      Matcher m = RECONCILES.matcher(metrics());
      double total = 0;
      boolean any = false;
      while (m.find()) {
        total += Double.parseDouble(m.group(1));
        any = true;
      }
      return any ? total : 0;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The operator's /metrics page (Prometheus text). */
  String metrics() throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Every thread's stack (jcmd Thread.print). */
  String threadDump() throws IOException, InterruptedException {
    return jcmd("Thread.print");
  }

  /** After a full GC: the heap in use and the heap the JVM holds (committed), MiB. */
  long[] heapAfterGcMiB() throws IOException, InterruptedException {
    jcmd("GC.run");
    Matcher m = HEAP.matcher(jcmd("GC.heap_info"));
    return m.find() ? new long[] {Long.parseLong(m.group(2)) / 1024, Long.parseLong(m.group(1)) / 1024} : new long[] {-1, -1};
  }

  /** The classes holding the most heap (jcmd GC.class_histogram, after a full GC): what a pipeline costs. */
  String heapHistogram(int lines) throws IOException, InterruptedException {
    return jcmd("GC.class_histogram").lines().limit(lines + 3L).collect(java.util.stream.Collectors.joining("\n"));
  }

  double cpuSeconds() {
    return CpuTime.seconds(process.pid());
  }

  /** The most memory the process has held so far (VmHWM): what a container limit must allow. */
  long rssMiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  private String jcmd(String what) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("jcmd", Long.toString(process.pid()), what).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  /** SIGTERM, as Kubernetes stops it; in-flight reconciles finish. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
