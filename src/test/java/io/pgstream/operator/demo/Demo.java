package io.pgstream.operator.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * `make demo`: the real operator against the Fabric8 mock API server (CRUD mode), applying
 * examples/ and printing what it creates, as a user without a cluster would try it. The mock
 * server runs no kubelet, so Jobs are marked complete and Deployments available here.
 */
public final class Demo {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** The mock server logs every request at INFO; held here because JUL keeps loggers weakly. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    System.exit(demo(Path.of(args.length > 0 ? args[0] : "examples")));
  }

  /** @return 0 when every example pipeline reached Ready, 1 otherwise */
  static int demo(Path examples) throws Exception {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    // The mock server answers API discovery for the custom resource only when told about it.
    server.expectCustomResource(CustomResourceDefinitionContext.fromCustomResourceType(PgstreamPipeline.class));
    server.init();
    try (KubernetesClient client = server.createClient()) {
      Operator operator = PgstreamOperator.create(client, OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS));
      operator.start();
      try {
        return run(client, examples);
      } finally {
        operator.stop();
      }
    } finally {
      server.destroy();
    }
  }

  private static int run(KubernetesClient client, Path examples) throws IOException, InterruptedException {
    System.out.println("== kubectl apply -f " + examples + "/   (databases: two local PostgreSQL servers emulating RDS)");
    DemoDatabases databases = new DemoDatabases();
    Map<String, Secret> secrets = new HashMap<>();
    try (Stream<Path> files = Files.list(examples)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          for (HasMetadata item : client.load(in).items()) {
            if (item instanceof Secret secret) {
              secrets.put(secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName(), secret);
            }
            if ("PgstreamPipeline".equals(item.getKind())) {
              PgstreamPipeline pipeline = Serialization.unmarshal(Serialization.asJson(item), PgstreamPipeline.class);
              databases.host(pipeline, secrets);
              item = pipeline;
            }
            client.resource(item).create();
            System.out.printf("%s/%s created%n", item.getKind().toLowerCase(), item.getMetadata().getName());
          }
        }
      }
    }

    FakeKubelet kubelet = new FakeKubelet(client);
    Map<String, PgstreamPipeline> byName = new HashMap<>();
    client.resources(PgstreamPipeline.class).inAnyNamespace().list().getItems()
        .forEach(p -> byName.put(p.getMetadata().getName(), p));
    Instant deadline = Instant.now().plus(TIMEOUT);
    while (!settled(client)) {
      if (Instant.now().isAfter(deadline)) {
        System.out.println("!! pipelines did not settle within " + TIMEOUT.toSeconds() + " s");
        print(client);
        return 1;
      }
      for (Job job : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
        if (job.getStatus() == null) {
          if ("init".equals(job.getMetadata().getLabels().get("app.kubernetes.io/component"))) {
            databases.initialise(byName.get(job.getMetadata().getLabels().get("app.kubernetes.io/instance")));
          }
          kubelet.jobSucceeded(job.getMetadata().getNamespace(), job.getMetadata().getName());
        }
      }
      for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
        if (d.getStatus() == null) {
          kubelet.deploymentAvailable(d.getMetadata().getNamespace(), d.getMetadata().getName());
        }
      }
      Thread.sleep(300);
    }
    print(client);
    return 0;
  }

  private static boolean settled(KubernetesClient client) {
    List<PgstreamPipeline> pipelines = client.resources(PgstreamPipeline.class).inAnyNamespace().list().getItems();
    return !pipelines.isEmpty()
        && pipelines.stream()
            .allMatch(
                p ->
                    p.getStatus() != null
                        && (p.getStatus().phase == Phase.Completed || p.getStatus().phase == Phase.Streaming)
                        && ready(p).equals("True"));
  }

  private static String ready(PgstreamPipeline p) {
    return p.getStatus() == null
        ? ""
        : p.getStatus().conditions.stream()
            .filter(c -> "Ready".equals(c.getType()))
            .map(c -> c.getStatus())
            .findFirst()
            .orElse("");
  }

  private static void print(KubernetesClient client) {
    List<PgstreamPipeline> pipelines = client.resources(PgstreamPipeline.class).inAnyNamespace().list().getItems();
    System.out.println("\n== kubectl get pgstreampipelines");
    System.out.printf("%-14s %-26s %-14s %-6s %s%n", "NAME", "MODE", "PHASE", "READY", "LAG");
    for (PgstreamPipeline p : pipelines) {
      System.out.printf(
          "%-14s %-26s %-14s %-6s %s%n",
          p.getMetadata().getName(),
          Serialization.asJson(p.getSpec().mode).replace("\"", ""),
          p.getStatus() == null ? "" : p.getStatus().phase,
          ready(p),
          p.getStatus() == null || p.getStatus().slot == null ? "" : p.getStatus().slot.lag);
    }

    System.out.println("\n== kubectl get configmaps,secrets,jobs,deployments -l app.kubernetes.io/managed-by=pgstream-operator");
    String selector = "pgstream-operator";
    Stream.of(
            client.configMaps().inAnyNamespace().withLabel("app.kubernetes.io/managed-by", selector).list().getItems(),
            client.secrets().inAnyNamespace().withLabel("app.kubernetes.io/managed-by", selector).list().getItems(),
            client.batch().v1().jobs().inAnyNamespace().withLabel("app.kubernetes.io/managed-by", selector).list().getItems(),
            client.apps().deployments().inAnyNamespace().withLabel("app.kubernetes.io/managed-by", selector).list().getItems())
        .flatMap(List::stream)
        .forEach(r -> System.out.printf("%s/%s%n", r.getKind().toLowerCase(), r.getMetadata().getName()));

    // The richest example tells the whole story: init, snapshot, then streaming.
    PgstreamPipeline first =
        pipelines.stream()
            .filter(p -> p.getSpec().mode == PipelineMode.SNAPSHOT_AND_REPLICATION)
            .findFirst()
            .orElse(pipelines.get(0));
    System.out.println("\n== status of pgstreampipeline/" + first.getMetadata().getName());
    System.out.print(Serialization.asYaml(first.getStatus()).replaceFirst("^---\n", ""));

    System.out.println("\n== events for pgstreampipeline/" + first.getMetadata().getName());
    client.v1().events().inNamespace(first.getMetadata().getNamespace()).list().getItems().stream()
        .filter(e -> first.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .forEach(e -> System.out.printf("%-8s %-14s %s%n", e.getType(), e.getReason(), e.getMessage()));

    String configMap = first.getMetadata().getName() + "-pgstream-config";
    System.out.println("\n== kubectl get configmap " + configMap + " (the pgstream config; no password in it)");
    client.configMaps().inNamespace(first.getMetadata().getNamespace()).withName(configMap).get().getData()
        .forEach((file, content) -> System.out.print("# " + file + "\n" + content));
  }
}
