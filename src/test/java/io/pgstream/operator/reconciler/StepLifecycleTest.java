package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.OnConflictAction;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.api.StepTimeouts;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The review's probes of running and failed steps (M1, M2, M3), inverted: the real operator against
 * the mock API server, with the databases on the real TestPostgres.
 */
@EnableKubernetesMockClient(crud = true)
class StepLifecycleTest {
  static final String NAME = "orders";
  static final String SLOT = "pgstream_default_orders";

  KubernetesMockServer server;
  KubernetesClient client;
  FakeKubelet kubelet;
  Operator operator;

  @BeforeEach
  void start() {
    kubelet = new FakeKubelet(client);
    operator = PgstreamOperator.create(client, OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
    TestDatabases.dropSlots();
  }

  @Test
  void aTuningChangeDuringARunningSnapshotWaitsForItInsteadOfReplacingIt() {
    String uid = toRunningSnapshot();
    edit(p -> {
      p.getSpec().target.batch = new BatchSpec();
      p.getSpec().target.batch.size = 500;
    });
    await().until(() -> "False/SpecChangedDuringSnapshot".equals(condition("SnapshotCompleted")));
    assertThat(message("SnapshotCompleted"))
        .contains("takes effect after this run", Annotations.ABORT, "spec.snapshot.nonce");
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("the running snapshot is kept").isEqualTo(uid);
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Snapshotting);

    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null);
    assertThat(job("snapshot").getMetadata().getUid()).as("and counts: no second snapshot").isEqualTo(uid);
  }

  @Test
  void anAbortStopsTheRunningSnapshotInTheForegroundAndTheNextStartsOnlyAfterItsPodsAreGone() {
    String uid = toRunningSnapshot();
    runningPod(NAME + "-snapshot");
    drain();
    edit(p -> p.getMetadata().getAnnotations().put(Annotations.ABORT, "stop-1"));

    await().until(() -> !uid.equals(uid("snapshot")));
    assertThat(drain())
        .as("deleted in the foreground")
        .anySatisfy(r -> {
          assertThat(r.getMethod()).isEqualTo("DELETE");
          assertThat(r.getPath()).contains("/jobs/" + NAME + "-snapshot");
          assertThat(r.getBody().readUtf8()).contains("Foreground");
        });
    await().until(() -> "False/WaitingForWritersToStop".equals(condition("SnapshotCompleted"))
        || "False/WaitingForJobGone".equals(condition("SnapshotCompleted")));
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(job("snapshot")).as("no new Job while the old pod runs").isNull();

    client.pods().inNamespace(NAMESPACE).withName(NAME + "-snapshot-run").delete();
    await().until(() -> job("snapshot") != null);
    assertThat(job("snapshot").getMetadata().getUid()).isNotEqualTo(uid);
    assertThat(pipeline().getStatus().abortHandled).isEqualTo("stop-1");
    await().until(() -> "False/Running".equals(condition("SnapshotCompleted")));
    String second = job("snapshot").getMetadata().getUid();
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("an abort value acts once").isEqualTo(second);
  }

  @Test
  void aFailedSnapshotRunsAgainAfterTheImageOrResourcesAreFixed() {
    String uid = toRunningSnapshot();
    kubelet.jobFailed(NAMESPACE, NAME + "-snapshot", "OOMKilled");
    awaitPhase(Phase.Failed);
    assertThat(message("SnapshotCompleted")).contains(Annotations.RETRY, "spec.resources").doesNotContain("delete the Job");
    String failedTemplate = pipeline().getStatus().snapshot.templateHash;

    edit(p -> {
      p.getSpec().image = "example.org/pgstream-with-pgdump:fixed";
      p.getSpec().resources = new ResourceRequirementsBuilder().withLimits(Map.of("memory", new Quantity("4Gi"))).build();
    });
    await().until(() -> uid("snapshot") != null && !uid.equals(uid("snapshot")));
    Job rerun = job("snapshot");
    assertThat(rerun.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("example.org/pgstream-with-pgdump:fixed");
    assertThat(rerun.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits().get("memory"))
        .isEqualTo(new Quantity("4Gi"));
    awaitPhase(Phase.Snapshotting);
    assertThat(pipeline().getStatus().snapshot.templateHash).isNotEqualTo(failedTemplate);
  }

  @Test
  void theRetryAnnotationRunsAnUnchangedFailedStepOncePerValue() {
    String first = toRunningSnapshot();
    kubelet.jobFailed(NAMESPACE, NAME + "-snapshot", "connection reset");
    awaitPhase(Phase.Failed);

    edit(p -> p.getMetadata().getAnnotations().put(Annotations.RETRY, "a"));
    await().until(() -> uid("snapshot") != null && !first.equals(uid("snapshot")));
    String second = job("snapshot").getMetadata().getUid();
    client.pods().inNamespace(NAMESPACE).withName(NAME + "-snapshot-x1").delete();
    kubelet.jobFailed(NAMESPACE, NAME + "-snapshot", "connection reset again");
    awaitPhase(Phase.Failed);
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("the same value does not retry twice").isEqualTo(second);
    assertThat(pipeline().getStatus().retryHandled).isEqualTo("a");

    edit(p -> p.getMetadata().getAnnotations().put(Annotations.RETRY, "b"));
    await().until(() -> uid("snapshot") != null && !second.equals(uid("snapshot")));
  }

  @Test
  void aSnapshotPastItsDeadlineFailsAsTimedOut() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().timeouts = new StepTimeouts();
    p.getSpec().timeouts.snapshotSeconds = 7200L;
    apply(p);
    await().until(() -> job("init") != null);
    assertThat(job("init").getSpec().getActiveDeadlineSeconds()).isEqualTo(StepTimeouts.DEFAULT_INIT_SECONDS);
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    assertThat(job("snapshot").getSpec().getActiveDeadlineSeconds()).isEqualTo(7200L);

    failJob(NAME + "-snapshot", "DeadlineExceeded", "Job was active longer than specified deadline");
    await().until(() -> "False/SnapshotTimedOut".equals(condition("SnapshotCompleted")));
    assertThat(message("SnapshotCompleted")).contains("7200 s", "spec.timeouts.snapshotSeconds", Annotations.RETRY);
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Failed);
  }

  @Test
  void aDisruptedPodIsRetriedWhereARestartIsSafe() {
    toRunningSnapshot();
    // snapshot_and_replication skips duplicates during the snapshot: a restart cannot collide with its half copy.
    assertThat(disruptionRule(job("init")).getAction()).isEqualTo("Ignore");
    assertThat(disruptionRule(job("snapshot")).getAction()).isEqualTo("Ignore");
    assertThat(job("snapshot").getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(v -> assertThat(v.getEmptyDir() == null ? null : v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("1Gi")));
    assertThat(job("snapshot").getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests())
        .containsEntry("memory", new Quantity("256Mi"))
        .containsEntry("cpu", new Quantity("100m"));
  }

  @Test
  void aDisruptedSnapshotThatCouldCollideWithItsHalfCopyFailsSayingWhyAndHow() {
    // mode snapshot stops on a duplicate: a restarted copy would, so a disruption fails the Job and says so.
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    apply(p);
    await().until(() -> job("snapshot") != null);
    assertThat(disruptionRule(job("snapshot")).getAction()).isEqualTo("FailJob");
    failJob(NAME + "-snapshot", "PodFailurePolicy", "Pod default/orders-snapshot-1 has condition DisruptionTarget matching FailJob rule at index 0");
    await().until(() -> "False/SnapshotDisrupted".equals(condition("SnapshotCompleted")));
    assertThat(message("SnapshotCompleted")).contains("evicted or drained", Annotations.RETRY, "cleanTargetDb", "onConflictAction");

    edit(q -> q.getSpec().target.onConflictAction = OnConflictAction.NOTHING);
    await().ignoreExceptions().until(() -> "Ignore".equals(disruptionRule(job("snapshot")).getAction()));
  }

  @Test
  void aRotatedPasswordPreparesTheOwnedLoginAgainAndRollsTheStreamingPods() throws Exception {
    String login = "orders_rotating";
    TestDatabases.ready().login("pgstream_admin", Pipelines.SOURCE_PASSWORD, "SUPERUSER");
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().source.sslMode = SslMode.REQUIRE;
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
    p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("orders-admin", "username"));
    p.getSpec().prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef("orders-admin", "password"));
    p.getSpec().prepare.source.initAsAdmin = true; // the login itself may not create event triggers
    client.resource(Pipelines.secret("orders-admin", "pgstream_admin", Pipelines.SOURCE_PASSWORD)).create();
    apply(p, Pipelines.secret(NAME + "-source", login, "first-pw-1"), Pipelines.secretsFor(NAME).get(1));
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null);
    String version = pipeline().getStatus().credentialsVersion;
    assertThat(podAnnotation(Children.CREDENTIALS_VERSION_ANNOTATION)).isEqualTo(version);

    client.resource(Pipelines.secret(NAME + "-source", login, "rotated-pw-2")).update();
    edit(q -> q.getSpec().maxRetainedWalBytes = 2L * 1024 * 1024 * 1024); // Secrets are not watched
    await().until(() -> !version.equals(podAnnotation(Children.CREDENTIALS_VERSION_ANNOTATION)));
    await().until(() -> pipeline().getStatus().credentialsVersion.equals(podAnnotation(Children.CREDENTIALS_VERSION_ANNOTATION)));
    try (Connection c = DatabaseConnector.defaults().open(pipeline().getSpec().source, TestDatabases.SOURCE_DB, login, "rotated-pw-2")) {
      assertThat(c.isValid(1)).as("prepare set the rotated password on the login it owns").isTrue();
    }
    assertThat(Serialization.asJson(pipeline())).doesNotContain("rotated-pw-2", "first-pw-1");
  }

  /** Init done (slot created), the snapshot Job created and running; its UID. */
  private String toRunningSnapshot() {
    apply(Pipelines.onTestDatabase(NAME));
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    awaitPhase(Phase.Snapshotting);
    return job("snapshot").getMetadata().getUid();
  }

  private void initSucceeded() {
    TestDatabases.createSlot(SLOT);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
  }

  /** What the Job controller writes when it fails a Job for {@code reason}. */
  private void failJob(String name, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Job job = client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get();
    job.setStatus(
        new JobStatusBuilder()
            .withStartTime(now)
            .withFailed(1)
            .addToConditions(new JobConditionBuilder().withType("FailureTarget").withStatus("True").withReason(reason).withMessage(message).withLastTransitionTime(now).build())
            .addToConditions(new JobConditionBuilder().withType("Failed").withStatus("True").withReason(reason).withMessage(message).withLastTransitionTime(now).build())
            .build());
    client.batch().v1().jobs().inNamespace(NAMESPACE).resource(job).updateStatus();
  }

  /** A pod of the Job that is still running pgstream. */
  private void runningPod(String job) {
    Pod pod =
        client.pods().inNamespace(NAMESPACE).resource(
            new PodBuilder()
                .withNewMetadata().withName(job + "-run").withNamespace(NAMESPACE).addToLabels("job-name", job).endMetadata()
                .withNewSpec().addNewContainer().withName("pgstream").withImage("pgstream").endContainer().endSpec()
                .build()).create();
    pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").build());
    client.pods().inNamespace(NAMESPACE).resource(pod).updateStatus();
  }

  private static PodFailurePolicyRule disruptionRule(Job job) {
    return job.getSpec().getPodFailurePolicy().getRules().stream()
        .filter(r -> r.getOnPodConditions().stream().anyMatch(c -> "DisruptionTarget".equals(c.getType())))
        .findFirst()
        .orElseThrow();
  }

  private void edit(Consumer<PgstreamPipeline> change) {
    await().ignoreExceptions().until(() -> {
      PgstreamPipeline p = pipeline();
      if (p.getMetadata().getAnnotations() == null) {
        p.getMetadata().setAnnotations(new java.util.HashMap<>());
      }
      change.accept(p);
      pipelines().resource(p).update();
      return true;
    });
  }

  private void apply(PgstreamPipeline p) {
    apply(p, Pipelines.secretsFor(p.getMetadata().getName()).toArray(new Secret[0]));
  }

  private void apply(PgstreamPipeline p, Secret... secrets) {
    for (Secret s : secrets) {
      client.resource(s).create();
    }
    pipelines().resource(p).create();
  }

  private List<RecordedRequest> drain() {
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
        requests.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return requests;
  }

  private NonNamespaceOperation<PgstreamPipeline, KubernetesResourceList<PgstreamPipeline>, Resource<PgstreamPipeline>> pipelines() {
    return client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE);
  }

  private PgstreamPipeline pipeline() {
    return pipelines().withName(NAME).get();
  }

  private Job job(String step) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(NAME + "-" + step).get();
  }

  private String uid(String step) {
    Job job = job(step);
    return job == null ? null : job.getMetadata().getUid();
  }

  private Deployment deployment() {
    return client.apps().deployments().inNamespace(NAMESPACE).withName(NAME + "-stream").get();
  }

  private String podAnnotation(String key) {
    Deployment d = deployment();
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations().get(key);
  }

  private void awaitPhase(Phase phase) {
    await().until(() -> pipeline() != null && pipeline().getStatus() != null && pipeline().getStatus().phase == phase);
  }

  private String condition(String type) {
    return conditions(type).map(c -> c.getStatus() + "/" + c.getReason()).findFirst().orElse(null);
  }

  private String message(String type) {
    return conditions(type).map(c -> c.getMessage()).findFirst().orElse(null);
  }

  private Stream<io.fabric8.kubernetes.api.model.Condition> conditions(String type) {
    PgstreamPipeline p = pipeline();
    if (p == null || p.getStatus() == null) {
      return Stream.empty();
    }
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.getType()));
  }
}
