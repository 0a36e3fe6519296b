package io.pgstream.operator.e2e;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The operator's own pod specs, executed: the operator runs against the mock API server and a real
 * PostgreSQL; each Job's and the Deployment's container (args, env from the operator's Secret, the
 * ConfigMap mounted at /etc/pgstream) is run with a real pgstream binary, in order: init, snapshot,
 * run; then streaming is stopped and restarted to prove it resumes without loss. Run by e2e/smoke.sh,
 * which provides the server (E2E_PORT, the postgres password in PGPASSWORD) and the binary (PGSTREAM_BIN).
 */
public final class PodSpecE2E {
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");
  private static final String NS = "default";
  private static int passed;

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    int port = Integer.parseInt(System.getenv("E2E_PORT"));
    String binary = System.getenv("PGSTREAM_BIN");
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.expectCustomResource(CustomResourceDefinitionContext.fromCustomResourceType(PgstreamPipeline.class));
    server.init();
    int status = 1;
    Process streaming = null;
    try (KubernetesClient client = server.createClient()) {
      Operator operator = PgstreamOperator.create(client, OperatorSettings.forMockServer().withRunnerImages(Map.of(15, "local-runner:15")));
      operator.start();
      client.resource(Pipelines.secret("e2e-source", "src", "s:r@c/1")).create();
      client.resource(Pipelines.secret("e2e-target", "tgt", "t%g?t2")).create();
      PgstreamPipeline p = Pipelines.snapshotAndReplication("e2e");
      for (var c : List.of(p.getSpec().source, p.getSpec().target)) {
        c.host = "127.0.0.1";
        c.port = port;
        c.sslMode = SslMode.DISABLE;
      }
      p.getSpec().source.database = "app_source";
      p.getSpec().target.database = "app_target";
      client.resource(p).create();
      FakeKubelet kubelet = new FakeKubelet(client);

      PodSpec init = await(() -> job(client, "e2e-init"));
      check("the operator's source and target checks passed against the real server",
          eventually(() -> "True".equals(condition(client, "SourceReady")) && "True".equals(condition(client, "TargetReady"))));
      check("pgstream init (the init Job's pod) exits 0", exec(client, binary, init).waitFor() == 0);
      check("it created the slot with wal2json", "wal2json".equals(query(port, "app_source",
          "SELECT plugin FROM pg_replication_slots WHERE slot_name = 'pgstream_default_e2e'")));
      kubelet.jobSucceeded(NS, "e2e-init");

      PodSpec snapshot = await(() -> job(client, "e2e-snapshot"));
      check("the snapshot Job uses the runner for PostgreSQL 15", snapshot.getContainers().get(0).getImage().equals("local-runner:15"));
      check("pgstream snapshot (the snapshot Job's pod) exits 0", exec(client, binary, snapshot).waitFor() == 0);
      check("the target holds the source's 100 rows", "100".equals(query(port, "app_target", "SELECT count(*) FROM public.orders")));
      kubelet.jobSucceeded(NS, "e2e-snapshot");

      PodSpec run = await(() -> deployment(client));
      streaming = exec(client, binary, run);
      check("pgstream run (the Deployment's pod) reports ready on :9910/ready", ready());
      execute(port, "app_source", "INSERT INTO public.orders VALUES (1001, 10)", "UPDATE public.orders SET total = 0 WHERE id = 1",
          "DELETE FROM public.orders WHERE id = 2");
      check("insert, update and delete arrive while streaming", eventually(() -> "100,0,1".equals(targetState(port))));

      streaming.destroy();
      streaming.waitFor();
      execute(port, "app_source", "INSERT INTO public.orders VALUES (1002, 20)", "DELETE FROM public.orders WHERE id = 3");
      streaming = exec(client, binary, run);
      check("after a restart, changes made while stopped arrive (resumed from the slot)",
          eventually(() -> "100".equals(query(port, "app_target", "SELECT count(*) FROM public.orders"))
              && "1".equals(query(port, "app_target", "SELECT count(*) FROM public.orders WHERE id = 1002"))));
      operator.stop();
      status = 0;
    } finally {
      if (streaming != null) {
        streaming.destroy();
      }
      server.destroy();
    }
    System.out.println(passed + " passed, 0 failed");
    System.exit(status);
  }

  private static void check(String what, boolean ok) {
    if (!ok) {
      System.out.println(passed + " passed, 1 failed: " + what);
      System.exit(1);
    }
    passed++;
    System.out.println("ok: " + what);
  }

  private static String condition(KubernetesClient client, String type) {
    PgstreamPipeline p = client.resources(PgstreamPipeline.class).inNamespace(NS).withName("e2e").get();
    if (p == null || p.getStatus() == null) {
      return null;
    }
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).map(c -> c.getStatus()).findFirst().orElse(null);
  }

  private static PodSpec job(KubernetesClient client, String name) {
    var job = client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    return job == null ? null : job.getSpec().getTemplate().getSpec();
  }

  private static PodSpec deployment(KubernetesClient client) {
    var d = client.apps().deployments().inNamespace(NS).withName("e2e-stream").get();
    return d == null ? null : d.getSpec().getTemplate().getSpec();
  }

  /** The container as the kubelet would start it: its args, its env (Secret keys resolved), its ConfigMap. */
  private static Process exec(KubernetesClient client, String binary, PodSpec pod) throws Exception {
    Container c = pod.getContainers().get(0);
    Path config = Files.createTempDirectory("etc-pgstream");
    ConfigMap cm = client.configMaps().inNamespace(NS).withName(pod.getVolumes().get(0).getConfigMap().getName()).get();
    for (var file : cm.getData().entrySet()) {
      Files.writeString(config.resolve(file.getKey()), file.getValue());
    }
    List<String> command = new ArrayList<>();
    command.add(binary);
    for (String arg : c.getArgs()) {
      command.add(arg.replace(PgstreamPods.CONFIG_DIR, config.toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(config.resolve("out.log").toFile());
    for (EnvVar e : c.getEnv()) {
      Secret s = client.secrets().inNamespace(NS).withName(e.getValueFrom().getSecretKeyRef().getName()).get();
      pb.environment().put(e.getName(), new String(Base64.getDecoder().decode(s.getData().get(e.getValueFrom().getSecretKeyRef().getKey())), StandardCharsets.UTF_8));
    }
    return pb.start();
  }

  private static boolean ready() throws Exception {
    return eventually(() -> {
      try {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9910/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (Exception notYet) {
        return false;
      }
    });
  }

  private static String targetState(int port) {
    return query(port, "app_target",
        "SELECT count(*) || ',' || (SELECT total FROM public.orders WHERE id = 1) || ',' || (SELECT count(*) FROM public.orders WHERE id IN (1001, 2)) FROM public.orders");
  }

  private static <T> T await(Supplier<T> value) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      T v = value.get();
      if (v != null) {
        return v;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("timed out");
  }

  private static boolean eventually(Supplier<Boolean> condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      if (Boolean.TRUE.equals(condition.get())) {
        return true;
      }
      Thread.sleep(500);
    }
    return false;
  }

  private static Connection connect(int port, String db) throws Exception {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, "postgres", System.getenv("PGPASSWORD"));
  }

  private static String query(int port, String db, String sql) {
    try (Connection c = connect(port, db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static void execute(int port, String db, String... statements) throws Exception {
    try (Connection c = connect(port, db); Statement st = c.createStatement()) {
      for (String sql : statements) {
        st.execute(sql);
      }
    }
  }
}
