package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.verify.Verifier;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One pipeline of an e2e class as its tests watch it, with the operator running it, the pods played for it
 * and the writer writing on its source: its objects, the check that the target equals the source, and what
 * a reader needs when an assertion fails.
 */
record WatchedPipeline(KubernetesClient admin, String namespace, String name, OperatorProcess operator, PodPlayer pods, SourceWriter writer) {
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
