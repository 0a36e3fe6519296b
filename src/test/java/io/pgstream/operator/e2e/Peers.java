package io.pgstream.operator.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pgstream.operator.support.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** The real peers e2e/run.sh started, found through the environment it exports. */
final class Peers {
  private Peers() {}

  static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(name + " is not set: run the e2e tier with make e2e (e2e/run.sh)");
    }
    return value;
  }

  /** PostgreSQL 15 with wal_level=logical, wal2json and RDS's roles emulated. */
  static synchronized TestPostgres source() {
    TestPostgres source = TestPostgres.external(Integer.parseInt(env("E2E_SOURCE_PORT")), env("PGPASSWORD"));
    if (source.text("postgres", "SELECT to_regrole('rds_superuser')") == null) {
      source.emulateRdsRoles();
    }
    // Newer minor releases (15.20) load only the output plugins listed here; RDS lists wal2json.
    String plugins = source.text("postgres", "SELECT setting FROM pg_settings WHERE name = 'output_plugin_libraries'");
    if (plugins != null && !plugins.contains("wal2json")) {
      // A list setting: one quoted literal per library.
      String list = ("'" + plugins.replace(", ", "', '") + "', 'wal2json'").replace("''", "");
      source.execute("postgres", "ALTER SYSTEM SET output_plugin_libraries = " + list, "SELECT pg_reload_conf()");
    }
    return source;
  }

  /** PostgreSQL 15 with wal_level=replica. */
  static TestPostgres target() {
    return TestPostgres.external(Integer.parseInt(env("E2E_TARGET_PORT")), env("PGPASSWORD"));
  }

  /**
   * Databases {@code <name>_e2e} on the source and {@code <name>_e2e_target} on the target, each made
   * anew (rerunnable on the same peers) and owned by its login, {@code <name>_src} (a superuser, as
   * pgstream init's event triggers need) and {@code <name>_tgt}, both with {@code password}; {@code ddl}
   * runs in both, on the target as its login.
   */
  static void freshPair(String name, String password, String... ddl) {
    TestPostgres source = source();
    TestPostgres target = target();
    source.execute("postgres", "DROP DATABASE IF EXISTS " + name + "_e2e WITH (FORCE)");
    target.execute("postgres", "DROP DATABASE IF EXISTS " + name + "_e2e_target WITH (FORCE)");
    source.login(name + "_src", password, "SUPERUSER");
    source.database(name + "_e2e", name + "_src", ddl);
    target.login(name + "_tgt", password, "");
    String[] asLogin = new String[ddl.length + 1];
    asLogin[0] = "SET ROLE " + name + "_tgt";
    System.arraycopy(ddl, 0, asLogin, 1, ddl.length);
    target.database(name + "_e2e_target", name + "_tgt", asLogin);
  }

  static Path pgstream() {
    return Path.of(env("PGSTREAM_BIN"));
  }

  static Path work() {
    return Path.of(env("E2E_WORK"));
  }

  /** A client with the admin kubeconfig e2e/run.sh wrote. */
  static KubernetesClient admin() {
    return client(Path.of(env("KUBECONFIG")));
  }

  static KubernetesClient client(Path kubeconfig) {
    try {
      return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Result(int exitCode, String output) {}

  /** kubectl with the admin kubeconfig; stdout and stderr together. */
  static Result kubectl(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(env("KUBE_BIN"), "kubectl").toString());
    command.addAll(List.of(args));
    return run(command);
  }

  /** A command run from the working directory (the repository root); stdout and stderr together. */
  static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** kubectl that must succeed; its output. */
  static String kubectlOk(String... args) {
    Result r = kubectl(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.output());
    }
    return r.output();
  }

  static boolean eventually(Duration timeout, BooleanSupplier condition) {
    return eventually(timeout, Duration.ofMillis(300), condition);
  }

  static boolean eventually(Duration timeout, Duration interval, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (condition.getAsBoolean()) {
          return true;
        }
      } catch (RuntimeException notYet) {
        // a server still starting, an object not there yet: asked again below
      }
      try {
        Thread.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
