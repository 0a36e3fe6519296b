package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator as it ships, against a real kube-apiserver and real databases: deploy/ applied with
 * kubectl (CRD, service account, RBAC), the operator jar started with the Deployment's arguments and
 * the service account's token, a pipeline applied with kubectl. No kubelet or controllers run, so
 * this test plays them: it executes each Job's and the Deployment's pod spec with the real pgstream
 * binary and writes the status the Job and Deployment controllers would write. Tests run in order,
 * each continuing the pipeline's life from the one before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealClusterE2E {
  static final String NS = Pipelines.NAMESPACE;
  static final String NAME = "e2e";
  static final String SLOT = ReplicationSlots.defaultName(NS, NAME);
  static final String OPERATOR_NS = OperatorProcess.NAMESPACE;
  static final String SERVICE_ACCOUNT = "system:serviceaccount:pgstream-system:pgstream-operator";
  static final String RUNNER_15 = "local-runner:15";

  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());
  KubernetesClient admin;
  FakeKubelet controllers;
  OperatorProcess operator;
  PgstreamRunner.Started streaming;

  @BeforeAll
  void startTheOperatorWithItsOwnIdentity() throws Exception {
    source.login("src", Pipelines.SOURCE_PASSWORD, "SUPERUSER"); // plays the RDS master, who may create event triggers
    source.database(
        "app_source", "postgres",
        "CREATE TABLE public.orders (id int PRIMARY KEY, total bigint)",
        "INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, 100) g");
    target.login("tgt", Pipelines.TARGET_PASSWORD, "");
    target.database("app_target", "tgt");

    admin = Peers.admin();
    controllers = new FakeKubelet(admin);
    operator = OperatorProcess.start(admin, "operator", List.of("--runner-image=15=" + RUNNER_15));
  }

  @AfterAll
  void stop() throws Exception {
    if (streaming != null) {
      streaming.stop();
    }
    if (operator != null) {
      operator.close();
    }
    if (admin != null) {
      admin.close();
    }
  }

  @Test
  @Order(1)
  void theDeployManifestIsAcceptedAndTheOperatorLeadsWithItsServiceAccount() {
    assertThat(Peers.kubectlOk("get", "crd", "pgstreampipelines.pgstream.io", "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"))
        .isEqualTo("True");
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> ok("/readyz")))
        .withFailMessage(() -> "operator not ready:\n" + operatorOutput())
        .isTrue();
    var lease = admin.leases().inNamespace(OPERATOR_NS).withName(OperatorSettings.LEASE_NAME).get();
    assertThat(lease).as("the leader-election Lease, written with the Role deploy/ grants").isNotNull();
    assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
  }

  @Test
  @Order(2)
  void aPipelineAppliedWithKubectlPassesThePreflightAgainstTheRealDatabases() throws Exception {
    PgstreamPipeline p = Pipelines.onServers(NAME, source, "app_source", target, "app_target");
    List<HasMetadata> objects =
        List.of(Pipelines.secret(NAME + "-source", "src", Pipelines.SOURCE_PASSWORD), Pipelines.secret(NAME + "-target", "tgt", Pipelines.TARGET_PASSWORD), p);
    Path file = Peers.work().resolve("pipeline.yaml");
    Files.writeString(file, objects.stream().map(Serialization::asYaml).collect(Collectors.joining()));
    Peers.kubectlOk("apply", "-f", file.toString());

    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> "True".equals(condition(ConditionType.SourceReady)) && "True".equals(condition(ConditionType.TargetReady))))
        .withFailMessage(() -> "checks did not pass: " + Serialization.asYaml(pipeline().getStatus()) + operatorOutput())
        .isTrue();
  }

  @Test
  @Order(3)
  void theInitJobsPodRunsPgstreamInit() {
    PodSpec init = jobPod(NAME + "-init");
    PgstreamRunner.Started run = pgstream.startPod(admin, NS, init);
    assertThat(run.waitFor()).as(run.output()).isZero();
    assertThat(source.text("app_source", "SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")).isEqualTo("wal2json");
    controllers.jobSucceeded(NS, NAME + "-init");
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> pipeline().getStatus().phase == Phase.Snapshotting)).isTrue();
  }

  @Test
  @Order(4)
  void theSnapshotJobsPodCopiesTheRows() {
    PodSpec snapshot = jobPod(NAME + "-snapshot");
    assertThat(snapshot.getContainers().get(0).getImage()).as("the runner chosen for the source's PostgreSQL 15").isEqualTo(RUNNER_15);
    PgstreamRunner.Started run = pgstream.startPod(admin, NS, snapshot);
    assertThat(run.waitFor()).as(run.output()).isZero();
    assertThat(target.query("app_target", "SELECT count(*) FROM public.orders")).isEqualTo(100);
    controllers.jobSucceeded(NS, NAME + "-snapshot");
  }

  @Test
  @Order(5)
  void theDeploymentsPodStreamsInsertsUpdatesAndDeletes() {
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> deployment() != null)).isTrue();
    streaming = pgstream.startPod(admin, NS, deployment().getSpec().getTemplate().getSpec());
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> ok("http://127.0.0.1:9910/ready")))
        .withFailMessage(() -> "pgstream run not ready:\n" + streaming.output())
        .isTrue();
    controllers.deploymentAvailable(NS, NAME + "-stream");
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> pipeline().getStatus().phase == Phase.Streaming && "True".equals(condition(ConditionType.Ready))))
        .isTrue();

    source.execute(
        "app_source",
        "INSERT INTO public.orders VALUES (1001, 10)",
        "UPDATE public.orders SET total = 0 WHERE id = 1",
        "DELETE FROM public.orders WHERE id = 2");
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> "100,0,1".equals(targetState())))
        .withFailMessage(() -> "target: " + targetState() + "\n" + streaming.output())
        .isTrue();
  }

  @Test
  @Order(6)
  void aRestartedStreamResumesFromTheSlotWithoutLoss() {
    streaming.stop();
    source.execute("app_source", "INSERT INTO public.orders VALUES (1002, 20)", "DELETE FROM public.orders WHERE id = 3");
    streaming = pgstream.startPod(admin, NS, deployment().getSpec().getTemplate().getSpec());
    assertThat(
            Peers.eventually(
                Duration.ofSeconds(60),
                () -> target.query("app_target", "SELECT count(*) FROM public.orders") == 100
                    && target.query("app_target", "SELECT count(*) FROM public.orders WHERE id = 1002") == 1))
        .withFailMessage(() -> streaming.output())
        .isTrue();
  }

  /**
   * Strict mode: a change the target rejects (a check constraint added on the target behind
   * pgstream's back) stops pgstream run instead of being skipped; the pipeline turns Degraded with
   * pgstream's own error, without the row's values; once the target is fixed, the restarted stream
   * applies the change and nothing is lost.
   */
  @Test
  @Order(8)
  void aWriteTheTargetRejectsStopsTheStreamAndTheChangeArrivesOnceFixed() {
    target.execute("app_target", "ALTER TABLE public.orders ADD CONSTRAINT small_totals CHECK (total < 1000000)");
    source.execute("app_source", "INSERT INTO public.orders VALUES (1003, 7654321)", "INSERT INTO public.orders VALUES (1004, 5)");
    assertThat(Peers.eventually(Duration.ofSeconds(90), () -> !streaming.process().isAlive()))
        .withFailMessage(() -> "pgstream run did not stop on the rejected write:\n" + streaming.output())
        .isTrue();
    assertThat(streaming.process().exitValue()).as(streaming.output()).isNotZero();
    assertThat(target.query("app_target", "SELECT count(*) FROM public.orders WHERE id = 1004"))
        .as("nothing after the rejected write is applied")
        .isZero();

    controllers.streamingPodCrashing(NS, NAME + "-stream", streaming.output());
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> "WriteRejected".equals(reason(ConditionType.Degraded))))
        .withFailMessage(() -> "status: " + Serialization.asYaml(pipeline().getStatus()) + operatorOutput())
        .isTrue();
    String message = StatusUpdater.condition(pipeline().getStatus(), ConditionType.Degraded).orElseThrow().getMessage();
    assertThat(message).contains("small_totals", "strictMode", SLOT).doesNotContain("7654321");
    assertThat(condition(ConditionType.Ready)).isEqualTo("False");
    assertThat(Peers.kubectlOk("get", "events", "--field-selector", "reason=WriteRejected")).contains("WriteRejected");

    target.execute("app_target", "ALTER TABLE public.orders DROP CONSTRAINT small_totals");
    streaming = pgstream.startPod(admin, NS, deployment().getSpec().getTemplate().getSpec());
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> target.query("app_target", "SELECT count(*) FROM public.orders WHERE id IN (1003, 1004) AND total > 1") == 2))
        .withFailMessage(() -> streaming.output())
        .isTrue();
    controllers.streamingPodRunning(NS, NAME + "-stream");
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> "True".equals(condition(ConditionType.Ready))))
        .withFailMessage(() -> "status: " + Serialization.asYaml(pipeline().getStatus()))
        .isTrue();
  }

  @Test
  @Order(9)
  void kubectlGetAndDescribeTellTheStory() {
    String get = Peers.kubectlOk("get", "pgsp", NAME);
    assertThat(get.lines().findFirst().orElseThrow()).contains("PHASE", "READY", "LAG");
    assertThat(get).contains("Streaming", "True");
    String describe = Peers.kubectlOk("describe", "pgstreampipeline", NAME);
    assertThat(describe).contains("Conditions:", "Events:", "Streaming");
    assertThat(describe).doesNotContain(Pipelines.SOURCE_PASSWORD, Pipelines.TARGET_PASSWORD);
  }

  @Test
  @Order(10)
  void theOperatorAppliesServerSideAndWritesOnlyThePipelinesStatus() {
    assertThat(deployment().getMetadata().getManagedFields())
        .as("the Deployment is written by server-side apply")
        .anyMatch(f -> "Apply".equals(f.getOperation()));
    for (Job job : List.of(job(NAME + "-init"), job(NAME + "-snapshot"))) {
      assertThat(job.getMetadata().getManagedFields())
          .as("Job %s is created, never applied (it is never updated)", job.getMetadata().getName())
          .isNotEmpty()
          .noneMatch(f -> "Apply".equals(f.getOperation()));
    }
    List<ManagedFieldsEntry> onPipeline = pipeline().getMetadata().getManagedFields();
    String kubectlManager = "kubectl-client-side-apply";
    List<ManagedFieldsEntry> operatorWrites = onPipeline.stream().filter(f -> !kubectlManager.equals(f.getManager())).toList();
    assertThat(operatorWrites).isNotEmpty();
    for (ManagedFieldsEntry f : operatorWrites) {
      String fields = Serialization.asJson(f.getFieldsV1());
      assertThat(fields).as("%s never writes the spec", f.getManager()).doesNotContain("\"f:spec\"");
    }
    assertThat(operatorWrites).as("status through its subresource").anyMatch(f -> "status".equals(f.getSubresource()));
  }

  @Test
  @Order(11)
  void anUnchangedStreamingPipelineIsQuiet() throws InterruptedException {
    // Settled first: the slot check after the restart above reports the slot active again (a real change).
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> Boolean.TRUE.equals(pipeline().getStatus().slot.active))).isTrue();
    Map<String, String> before = resourceVersions();
    String statusBefore = Serialization.asYaml(pipeline().getStatus());
    Thread.sleep(12_000); // more than two slot checks (every 5 s here)
    assertThat(resourceVersions())
        .withFailMessage(() -> "written while nothing changed:\n" + statusBefore + "---\n" + Serialization.asYaml(pipeline().getStatus()))
        .isEqualTo(before);
  }

  @Test
  @Order(12)
  void theServiceAccountCanDoWhatTheOperatorDidAndNoMore() {
    assertThat(operatorOutput()).doesNotContain("Forbidden", "forbidden", Pipelines.SOURCE_PASSWORD, Pipelines.TARGET_PASSWORD);
    assertThat(canI("patch", "pgstreampipelines/status")).isTrue();
    assertThat(canI("update", "pgstreampipelines")).as("the spec is the user's").isFalse();
    assertThat(canI("delete", "secrets")).isFalse();
    assertThat(canI("create", "pods")).as("pods come from Jobs and Deployments").isFalse();
    assertThat(canI("list", "nodes")).isFalse();
  }

  @Test
  @Order(13)
  void theExamplesApplyAndGetAnAnswer() {
    Peers.kubectlOk("apply", "-f", "examples/");
    assertThat(Peers.eventually(Duration.ofSeconds(90), () -> Stream.of("orders", "shop-events", "backfill").allMatch(n -> readyReason(n) != null)))
        .withFailMessage(() -> Peers.kubectl("get", "pgsp", "-o", "wide").output())
        .isTrue();
    String get = Peers.kubectlOk("get", "pgsp");
    assertThat(get).contains("orders", "shop-events", "backfill");
    assertThat(Peers.kubectlOk("describe", "pgsp", "orders")).contains("Events:");
  }

  @Test
  @Order(14)
  void deletingWithTheRetainPolicyKeepsTheSlot() {
    streaming.stop();
    // The pod object FakeKubelet made for the stream goes with its process, as the kubelet and GC would
    // remove it; deletion waits until no pod of the pipeline still runs.
    admin.pods().inNamespace(NS).withName(NAME + "-stream-x1").delete();
    Peers.kubectlOk("delete", "pgsp", NAME, "--timeout=60s");
    assertThat(source.text("app_source", "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")).isEqualTo("1");
    assertThat(admin.v1().events().inNamespace(NS).list().getItems())
        .anyMatch(e -> NAME.equals(e.getInvolvedObject().getName()) && e.getMessage().contains(SLOT));
  }

  private boolean canI(String verb, String resource) {
    return Peers.kubectl("auth", "can-i", verb, resource, "--as=" + SERVICE_ACCOUNT, "-n", NS).output().trim().equals("yes");
  }

  private Map<String, String> resourceVersions() {
    return Map.of(
        "pipeline", pipeline().getMetadata().getResourceVersion(),
        "deployment", deployment().getMetadata().getResourceVersion(),
        "configmap", admin.configMaps().inNamespace(NS).withName(NAME + "-pgstream-config").get().getMetadata().getResourceVersion(),
        "secret", admin.secrets().inNamespace(NS).withName(NAME + "-pgstream-credentials").get().getMetadata().getResourceVersion());
  }

  private String targetState() {
    return target.text(
        "app_target",
        "SELECT count(*) || ',' || (SELECT total FROM public.orders WHERE id = 1) || ',' || (SELECT count(*) FROM public.orders WHERE id IN (1001, 2)) FROM public.orders");
  }

  private boolean ok(String url) {
    return operator.ok(url);
  }

  private PgstreamPipeline pipeline() {
    return admin.resources(PgstreamPipeline.class).inNamespace(NS).withName(NAME).get();
  }

  private String condition(ConditionType type) {
    return StatusUpdater.condition(pipeline().getStatus(), type).map(Condition::getStatus).orElse(null);
  }

  private String reason(ConditionType type) {
    return StatusUpdater.condition(pipeline().getStatus(), type).map(Condition::getReason).orElse(null);
  }

  private String readyReason(String name) {
    PgstreamPipeline p = admin.resources(PgstreamPipeline.class).inNamespace(NS).withName(name).get();
    return p == null ? null : StatusUpdater.condition(p.getStatus(), ConditionType.Ready).map(Condition::getReason).orElse(null);
  }

  private Job job(String name) {
    return admin.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  private PodSpec jobPod(String name) {
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> job(name) != null))
        .withFailMessage(() -> "no Job " + name + "; status: " + Serialization.asYaml(pipeline().getStatus()) + operatorOutput())
        .isTrue();
    return job(name).getSpec().getTemplate().getSpec();
  }

  private ConfigMap configMap() {
    return admin.configMaps().inNamespace(NS).withName(NAME + "-pgstream-config").get();
  }

  private Deployment deployment() {
    return admin.apps().deployments().inNamespace(NS).withName(NAME + "-stream").get();
  }

  private String operatorOutput() {
    return operator.output();
  }

}
