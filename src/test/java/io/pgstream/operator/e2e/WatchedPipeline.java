package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import io.pgstream.operator.verify.Verifier;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One pipeline of an e2e class as its tests watch it, with the operator running it, the pods played for it
 * and the writer writing on its source: its objects, the check that the target equals the source, and what
 * a reader needs when an assertion fails.
 */
record WatchedPipeline(KubernetesClient admin, String namespace, String name, OperatorProcess operator, PodPlayer pods, SourceWriter writer)
    implements AutoCloseable {
  /**
   * Fresh databases for a pipeline of public.items: {@code sourceDb} with 200 rows and {@code sourceDdl},
   * owned by the source login (a superuser: it plays the RDS master, who may create event triggers), and
   * an empty {@code targetDb} owned by the target login.
   */
  static void itemsDatabases(TestPostgres source, String sourceDb, TestPostgres target, String targetDb, ResolvedCredentials logins,
      String... sourceDdl) {
    source.execute("postgres", "DROP DATABASE IF EXISTS " + sourceDb + " WITH (FORCE)");
    target.execute("postgres", "DROP DATABASE IF EXISTS " + targetDb + " WITH (FORCE)");
    source.login(logins.sourceUser(), logins.sourcePassword(), "SUPERUSER");
    List<String> ddl = new ArrayList<>(List.of(
        "CREATE TABLE public.items (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL DEFAULT 0)",
        "INSERT INTO public.items (v) SELECT 'seed-' || g FROM generate_series(1, 200) g"));
    ddl.addAll(List.of(sourceDdl));
    source.database(sourceDb, logins.sourceUser(), ddl.toArray(String[]::new));
    target.login(logins.targetUser(), logins.targetPassword(), "");
    target.database(targetDb, logins.targetUser());
  }

  /**
   * The namespace, the operator (started as {@code operatorName}), the pod player and a writer on
   * public.items of {@code sourceDb}, writing from now on; closing stops them in reverse.
   */
  static WatchedPipeline start(String namespace, String name, String operatorName, TestPostgres source, String sourceDb)
      throws IOException, InterruptedException {
    KubernetesClient admin = Peers.admin();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).serverSideApply();
    OperatorProcess operator = OperatorProcess.start(admin, operatorName, List.of());
    if (!Peers.eventually(Duration.ofSeconds(90), () -> operator.ok("/readyz"))) {
      String output = operator.output();
      operator.close();
      admin.close();
      throw new AssertionError("operator not ready:\n" + output);
    }
    PodPlayer pods = new PodPlayer(admin, namespace, new PgstreamRunner(Peers.pgstream())).start();
    SourceWriter writer = new SourceWriter(source.port(), sourceDb, "postgres", Peers.env("PGPASSWORD"), 20);
    writer.start();
    return new WatchedPipeline(admin, namespace, name, operator, pods, writer);
  }

  /**
   * Creates the pipeline from {@code source}'s {@code sourceDb} to {@code target}'s {@code targetDb} for
   * public.items, with its login Secrets: deletionPolicy Delete, and a snapshot that truncates the target.
   */
  void create(TestPostgres source, String sourceDb, TestPostgres target, String targetDb, ResolvedCredentials logins) {
    PgstreamPipeline p = Pipelines.onServers(name, source, sourceDb, target, targetDb);
    p.getMetadata().setNamespace(namespace);
    p.getSpec().tables = List.of("public.items");
    p.getSpec().deletionPolicy = DeletionPolicy.Delete;
    p.getSpec().snapshot.populatedTarget = PopulatedTargetPolicy.Truncate;
    admin.resource(secret(name + "-source", logins.sourceUser(), logins.sourcePassword())).serverSideApply();
    admin.resource(secret(name + "-target", logins.targetUser(), logins.targetPassword())).serverSideApply();
    admin.resource(p).create();
  }

  @Override
  public void close() throws InterruptedException {
    writer.stop();
    pods.close();
    operator.close();
    admin.close();
  }

  PgstreamPipeline pipeline() {
    return admin.resources(PgstreamPipeline.class).inNamespace(namespace).withName(name).get();
  }

  void edit(UnaryOperator<PgstreamPipeline> change) {
    admin.resources(PgstreamPipeline.class).inNamespace(namespace).withName(name).edit(change);
  }

  Condition condition(ConditionType type) {
    return StatusUpdater.condition(pipeline().getStatus(), type).orElse(new Condition());
  }

  String status(ConditionType type) {
    return condition(type).getStatus();
  }

  Deployment deployment() {
    return admin.apps().deployments().inNamespace(namespace).withName(name + "-stream").get();
  }

  /** A login Secret in the pipeline's namespace. */
  Secret secret(String secretName, String user, String password) {
    Secret s = Pipelines.secret(secretName, user, password);
    s.getMetadata().setNamespace(namespace);
    return s;
  }

  /**
   * Ready with a streaming Deployment, then the target equal to the source table by table (row counts and
   * checksums, the project's verification), compared while the writer holds still.
   */
  void awaitReadyAndEqual(String when, ResolvedCredentials logins) {
    assertThat(Peers.eventually(Duration.ofSeconds(240), () -> "True".equals(status(ConditionType.Ready)) && deployment() != null))
        .withFailMessage(() -> "not Ready " + when + "\n" + story())
        .isTrue();
    long written = writer.written();
    writer.pause();
    try {
      Verifier verifier = new Verifier(DatabaseConnector.defaults(), Duration.ofSeconds(60), Clock.systemUTC());
      var report = verifier.verify(pipeline(), logins);
      assertThat(report.mismatched()).as("target differs from source %s\n%s", when, story()).isEmpty();
      assertThat(written).as("the writer wrote throughout").isPositive();
    } catch (Exception e) {
      throw new AssertionError("verification " + when + " failed: " + e.getMessage() + "\n" + story(), e);
    } finally {
      writer.resume();
    }
  }

  void awaitRolledPast(long generation) {
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> deployment() != null && deployment().getMetadata().getGeneration() > generation))
        .withFailMessage(() -> "the streaming Deployment did not roll\n" + story())
        .isTrue();
  }

  /** Status, what the pods did, the operator's log tail. */
  String story() {
    PgstreamPipeline p = pipeline();
    return "status:\n" + Serialization.asYaml(p == null ? null : p.getStatus())
        + "pods:\n" + String.join("\n", pods.history())
        + "\nstreaming output tail:\n" + tail(pods.streamingOutput(name + "-stream"))
        + "\noperator log tail:\n" + tail(operator.output());
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
