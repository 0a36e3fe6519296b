package io.pgstream.operator.benchdata;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.e2e.PgstreamRunner;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The two servers e2e/bench-data.sh started, the pgstream binary, and pipelines between them rendered
 * by the operator's own renderer. Everything logs in as the bootstrap superuser (pgstream init's event
 * triggers and a subscription both need one).
 */
record Peers(TestPostgres source, TestPostgres target, String password, PgstreamRunner pgstream, Path pgBin, int healthPort) {
  static Peers fromEnvironment() {
    String password = env("PGPASSWORD");
    return new Peers(
        TestPostgres.external(Integer.parseInt(env("BENCH_SOURCE_PORT")), password),
        TestPostgres.external(Integer.parseInt(env("BENCH_TARGET_PORT")), password),
        password,
        new PgstreamRunner(Path.of(env("PGSTREAM_BIN"))),
        Path.of(env("PG_BIN")),
        Integer.parseInt(env("BENCH_HEALTH_PORT")));
  }

  static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(name + " is not set: run make bench-data (e2e/bench-data.sh)");
    }
    return value;
  }

  /** The pipeline a user would write for these tables, with {@code tweak} applied to its spec. */
  PgstreamPipeline pipeline(PipelineMode mode, Consumer<PgstreamPipelineSpec> tweak) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("bench-data");
    var spec = p.getSpec();
    spec.mode = mode;
    spec.tables = Dataset.TABLES.stream().map(t -> "public." + t).toList();
    spec.source.host = "127.0.0.1";
    spec.source.port = source.port();
    spec.source.database = Dataset.DATABASE;
    spec.source.sslMode = SslMode.DISABLE;
    spec.target.host = "127.0.0.1";
    spec.target.port = target.port();
    spec.target.database = Dataset.TARGET_DATABASE;
    spec.target.sslMode = SslMode.DISABLE;
    tweak.accept(spec);
    return p;
  }

  /** The operator's rendered files, with pgstream's health port moved off 9910 (other runs share the host). */
  Map<String, String> render(PgstreamPipeline p) {
    Map<String, String> files = new HashMap<>(new PgstreamConfigRenderer().render(p).files());
    files.replaceAll((name, yaml) -> yaml.replace(":" + PgstreamConfigRenderer.HEALTH_PORT, ":" + healthPort));
    return files;
  }

  /** The pod's credential variables, and PATH with the PostgreSQL 15 client tools the runner image carries. */
  Map<String, String> env() {
    return Map.of(
        CredentialEnv.SOURCE_USER, "postgres",
        CredentialEnv.SOURCE_PASSWORD, password,
        CredentialEnv.TARGET_USER, "postgres",
        CredentialEnv.TARGET_PASSWORD, password,
        "PATH", pgBin + ":" + System.getenv("PATH"));
  }

  /** A fresh, empty target database. */
  void freshTarget() {
    target.execute(
        "postgres", "DROP DATABASE IF EXISTS " + Dataset.TARGET_DATABASE + " WITH (FORCE)", "CREATE DATABASE " + Dataset.TARGET_DATABASE);
  }

  /** Dirty pages of the last round are flushed before the next is timed. */
  void checkpoint() {
    source.execute("postgres", "CHECKPOINT");
    target.execute("postgres", "CHECKPOINT");
  }

  /** Runs a command to completion; fails with its output when it fails. */
  static void run(List<String> command, Map<String, String> env, Path log) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(log));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
