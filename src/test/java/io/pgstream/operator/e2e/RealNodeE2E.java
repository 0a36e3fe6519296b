package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import io.pgstream.operator.verify.Verifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator as a user installs it, on a real node (make e2e-node, e2e/node/run.sh): the chart installed with helm
 * from the images built here, a pipeline applied with kubectl against two PostgreSQL servers on the node's bridge,
 * its init and snapshot Jobs run by the Job controller and the kubelet, its stream a Deployment whose readiness is
 * pgstream's own /ready. Then faults, each followed by the target checked against the source (row counts and
 * checksums) while a writer inserts, updates and deletes throughout. Tests run in order on one pipeline; each step
 * leaves `kubectl describe` and the pods' logs in target/e2e-node/STEP/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeE2E {
  static final String NS = "shop";
  static final String NAME = "orders";
  static final String OPERATOR_NS = "pgstream-system";
  static final String RELEASE = "pgstream-operator";
  static final String SOURCE_DB = "node_source";
  static final String TARGET_DB = "node_target";
  static final String SOURCE_USER = "node_src";
  static final String TARGET_USER = "node_tgt";
  static final String PASSWORD = "n0de-Pw:1/a#";
  static final String INIT = NAME + "-init";
  static final String SNAPSHOT = NAME + "-snapshot";
  static final String STREAM = NAME + "-stream";

  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final Path report = Path.of(Peers.env("E2E_NODE_REPORT"));
  KubernetesClient admin;
  SourceWriter writer;
  /** Holds the source table while the snapshot should be in flight. */
  Connection tableLock;
  long writtenAtLastCheck;

  @BeforeAll
  void start() {
    source.login(SOURCE_USER, PASSWORD, "SUPERUSER"); // plays the RDS master, who may create event triggers
    source.database(
        SOURCE_DB, SOURCE_USER,
        "CREATE TABLE public.items (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL DEFAULT 0)",
        "INSERT INTO public.items (v) SELECT 'seed-' || g FROM generate_series(1, 5000) g");
    target.login(TARGET_USER, PASSWORD, "");
    target.database(TARGET_DB, TARGET_USER);
    admin = Peers.admin();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).serverSideApply();
    writer = new SourceWriter(source.port(), SOURCE_DB, "postgres", Peers.env("PGPASSWORD"), 50);
    writer.start();
  }

  @AfterAll
  void stop() throws Exception {
    if (tableLock != null) {
      tableLock.close();
    }
    if (writer != null) {
      writer.stop();
    }
    if (admin != null) {
      capture("9-end");
      admin.close();
    }
  }

  @Test
  @Order(1)
  void theOperatorInstalledWithHelmIsReadyLeadsAndRunsNonRootOnAReadOnlyRoot() {
    Pod operator = awaitOperator(null);
    assertThat(operator.getSpec().getServiceAccountName()).isEqualTo(RELEASE);
    var container = operator.getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo(Peers.env("E2E_NODE_OPERATOR_IMAGE"));
    assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).as("Ready through the operator's own probe").isEqualTo("/readyz");
    awaitLeader(operator);
    assertThat(Peers.kubectlOk("exec", "-n", OPERATOR_NS, name(operator), "--", "id", "-u").trim()).isEqualTo("65532");
    Peers.Result write = Peers.kubectl("exec", "-n", OPERATOR_NS, name(operator), "--", "touch", "/written");
    assertThat(write.exitCode()).as(write.output()).isNotZero();
    assertThat(write.output()).contains("Read-only file system");
    capture("1-operator");
  }

  @Test
  @Order(2)
  void aPipelineAppliedWithKubectlRunsInitAsAJobToCompletion() throws Exception {
    PgstreamPipeline p = Pipelines.onServers(NAME, source, SOURCE_DB, target, TARGET_DB);
    p.getMetadata().setNamespace(NS);
    p.getSpec().source.host = Peers.env("NODE_GATEWAY");
    p.getSpec().target.host = Peers.env("NODE_GATEWAY");
    p.getSpec().tables = List.of("public.items");
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(secret(NAME + "-source", SOURCE_USER));
    objects.add(secret(NAME + "-target", TARGET_USER));
    objects.add(p);
    Path file = report.resolve("pipeline.yaml");
    Files.writeString(file, objects.stream().map(Serialization::asYaml).collect(Collectors.joining()));
    Peers.kubectlOk("apply", "-f", file.toString());

    // The snapshot is held at the source table from the moment its Job exists (its pod needs seconds to start), so
    // that the operator pod can be deleted while it is in flight (next test).
    assertThat(Peers.eventually(Duration.ofMinutes(4), Duration.ofMillis(50), () -> job(SNAPSHOT) != null))
        .withFailMessage(() -> "no snapshot Job\n" + story())
        .isTrue();
    tableLock = source.connect(SOURCE_DB);
    tableLock.setAutoCommit(false);
    try (Statement s = tableLock.createStatement()) {
      s.execute("LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE");
    }
    Job init = job(INIT);
    assertThat(complete(init)).as("init completed before the snapshot started\n%s", story()).isTrue();
    List<Pod> initPods = jobPods(INIT);
    assertThat(initPods).hasSize(1);
    assertThat(initPods.get(0).getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(initPods.get(0).getSpec().getContainers().get(0).getImage()).isEqualTo(Peers.env("E2E_NODE_RUNNER_IMAGE"));
    capture("2-init");
  }

  @Test
  @Order(3)
  void deletingTheOperatorPodMidSnapshotStartsNoSecondSnapshot() throws Exception {
    assertThat(Peers.eventually(Duration.ofMinutes(3), () -> waitingOnTheTable() > 0))
        .withFailMessage(() -> "the snapshot's pgstream never reached the source table\n" + story())
        .isTrue();
    String snapshotUid = job(SNAPSHOT).getMetadata().getUid();
    assertThat(complete(job(SNAPSHOT))).isFalse();
    Pod old = awaitOperator(null);
    capture("3-mid-snapshot");

    admin.pods().inNamespace(OPERATOR_NS).withName(name(old)).delete();
    Pod fresh = awaitOperator(old.getMetadata().getUid());
    awaitLeader(fresh);
    // The new leader reconciles every pipeline as it starts; give it time to (wrongly) act.
    Thread.sleep(15_000);
    assertThat(admin.batch().v1().jobs().inNamespace(NS).list().getItems())
        .extracting(j -> j.getMetadata().getName())
        .containsExactlyInAnyOrder(INIT, SNAPSHOT);
    assertThat(job(SNAPSHOT).getMetadata().getUid()).as("the same snapshot Job").isEqualTo(snapshotUid);
    assertThat(jobPods(SNAPSHOT)).as("one snapshot pod").hasSize(1);
    capture("3-operator-deleted");
  }

  /**
   * A drain-like eviction (the Eviction API) of the snapshot pod, still held at the source table: as the README says,
   * a snapshot_and_replication copy skips rows it already wrote (onConflictAction nothing), so the Job's
   * podFailurePolicy Ignores the disruption and the Job controller starts another pod, which then copies everything.
   */
  @Test
  @Order(4)
  void anEvictedSnapshotPodIsReplacedByTheJobAndTheSnapshotCompletes() throws Exception {
    Job snapshot = job(SNAPSHOT);
    assertThat(snapshot.getSpec().getPodFailurePolicy().getRules())
        .anyMatch(r -> "Ignore".equals(r.getAction()) && r.getOnPodConditions().stream().anyMatch(c -> "DisruptionTarget".equals(c.getType())));
    Pod evicted = jobPods(SNAPSHOT).get(0);
    assertThat(admin.pods().inNamespace(NS).withName(name(evicted)).evict()).as("evicted").isTrue();
    assertThat(Peers.eventually(Duration.ofMinutes(3), () -> jobPods(SNAPSHOT).stream().noneMatch(p -> name(p).equals(name(evicted))) && waitingOnTheTable() > 0))
        .withFailMessage(() -> "no replacement snapshot pod reached the source table\n" + story())
        .isTrue();
    assertThat(complete(job(SNAPSHOT))).isFalse();
    assertThat(job(SNAPSHOT).getStatus().getConditions()).noneMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()));

    tableLock.commit();
    tableLock.close();
    tableLock = null;
    assertThat(Peers.eventually(Duration.ofMinutes(5), () -> complete(job(SNAPSHOT))))
        .withFailMessage(() -> "the snapshot Job did not complete\n" + story())
        .isTrue();
    Job done = job(SNAPSHOT);
    assertThat(done.getMetadata().getUid()).as("the same snapshot Job").isEqualTo(snapshot.getMetadata().getUid());
    assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(admin.batch().v1().jobs().inNamespace(NS).list().getItems())
        .extracting(j -> j.getMetadata().getName())
        .containsExactlyInAnyOrder(INIT, SNAPSHOT);
    capture("4-snapshot-evicted-and-completed");
  }

  @Test
  @Order(5)
  void theStreamingPodIsReadyThroughPgstreamsHealthEndpointAndTheTargetEqualsTheSource() {
    Pod stream = awaitStreamingPod(null);
    Probe readiness = stream.getSpec().getContainers().get(0).getReadinessProbe();
    assertThat(readiness.getHttpGet().getPath()).isEqualTo("/ready");
    assertThat(stream.getSpec().getContainers().get(0).getImage()).isEqualTo(Peers.env("E2E_NODE_RUNNER_IMAGE"));
    awaitReadyAndEqual("after the snapshot");
    capture("5-streaming");
  }

  @Test
  @Order(6)
  void aDeletedStreamingPodComesBackAndLosesNothing() {
    Pod old = awaitStreamingPod(null);
    admin.pods().inNamespace(NS).withName(name(old)).delete();
    Pod fresh = awaitStreamingPod(old.getMetadata().getUid());
    assertThat(name(fresh)).isNotEqualTo(name(old));
    awaitReadyAndEqual("after the streaming pod was deleted");
    capture("6-stream-pod-deleted");
  }

  @Test
  @Order(7)
  void aHelmUpgradeOfTheOperatorLeavesTheStreamRunning() throws Exception {
    Pod stream = awaitStreamingPod(null);
    long generation = deployment().getMetadata().getGeneration();
    Pod old = awaitOperator(null);
    String tag = Peers.env("E2E_NODE_UPGRADE_TAG");
    run(Peers.env("HELM"), "upgrade", RELEASE, "charts/pgstream-operator", "--namespace", OPERATOR_NS, "--reuse-values",
        "--set", "image.tag=" + tag, "--wait", "--timeout", "5m");
    Pod fresh = awaitOperator(old.getMetadata().getUid());
    assertThat(fresh.getSpec().getContainers().get(0).getImage()).endsWith(":" + tag);
    awaitLeader(fresh);
    Thread.sleep(15_000);
    assertThat(deployment().getMetadata().getGeneration()).as("the streaming Deployment is not rolled").isEqualTo(generation);
    Pod after = awaitStreamingPod(null);
    assertThat(after.getMetadata().getUid()).as("the streaming pod is not restarted").isEqualTo(stream.getMetadata().getUid());
    assertThat(restarts(after)).isEqualTo(restarts(stream));
    awaitReadyAndEqual("after the operator's helm upgrade");
    capture("7-helm-upgrade");
  }

  @Test
  @Order(8)
  void aRestartedKubeletKeepsThePodsAndLosesNothing() {
    Pod stream = awaitStreamingPod(null);
    Pod operator = awaitOperator(null);
    System.out.println(run("e2e/node/restart-kubelet.sh", Peers.env("E2E_NODE_WORK")));
    Pod after = awaitStreamingPod(null);
    assertThat(after.getMetadata().getUid()).isEqualTo(stream.getMetadata().getUid());
    assertThat(restarts(after)).as("the container kept running").isEqualTo(restarts(stream));
    assertThat(awaitOperator(null).getMetadata().getUid()).isEqualTo(operator.getMetadata().getUid());
    awaitReadyAndEqual("after the kubelet restarted");
    capture("8-kubelet-restart");
  }

  private void awaitReadyAndEqual(String when) {
    assertThat(Peers.eventually(Duration.ofMinutes(3), () -> "True".equals(readyStatus())))
        .withFailMessage(() -> "not Ready " + when + "\n" + story())
        .isTrue();
    long written = writer.written();
    writer.pause();
    try {
      Verifier verifier = new Verifier(DatabaseConnector.defaults(), Duration.ofSeconds(90), Clock.systemUTC());
      var result = verifier.verify(pipeline(), new ResolvedCredentials(SOURCE_USER, PASSWORD, TARGET_USER, PASSWORD));
      assertThat(result.tables()).as("tables compared").isNotEmpty();
      assertThat(result.mismatched()).as("target differs from source %s\n%s", when, story()).isEmpty();
      assertThat(written).as("the writer wrote since the last check").isGreaterThan(writtenAtLastCheck);
      writtenAtLastCheck = written;
      System.out.printf("[e2e-node] target equals source %s: %s (writer at %d iterations)%n", when, result.tables(), written);
    } catch (Exception e) {
      throw new AssertionError("verification " + when + " failed: " + e.getMessage() + "\n" + story(), e);
    } finally {
      writer.resume();
    }
  }

  /** The Ready operator pod, other than the one with {@code notUid} (deleted or replaced). */
  private Pod awaitOperator(String notUid) {
    Pod[] found = new Pod[1];
    assertThat(Peers.eventually(Duration.ofMinutes(3), () -> (found[0] = readyPod(OPERATOR_NS, "app.kubernetes.io/name", "pgstream-operator", notUid)) != null))
        .withFailMessage(() -> "no Ready operator pod\n" + story())
        .isTrue();
    return found[0];
  }

  private void awaitLeader(Pod operator) {
    assertThat(Peers.eventually(Duration.ofMinutes(2), () -> name(operator).equals(leaseHolder())))
        .withFailMessage(() -> "the Lease is held by " + leaseHolder() + ", not " + name(operator))
        .isTrue();
  }

  private String leaseHolder() {
    var lease = admin.leases().inNamespace(OPERATOR_NS).withName(OperatorSettings.LEASE_NAME).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** The streaming Deployment's Ready pod (its readiness is the kubelet probing pgstream's /ready), not {@code notUid}. */
  private Pod awaitStreamingPod(String notUid) {
    Pod[] found = new Pod[1];
    assertThat(Peers.eventually(Duration.ofMinutes(3), () -> deployment() != null && (found[0] = readyPod(NS, "app.kubernetes.io/component", "streaming", notUid)) != null))
        .withFailMessage(() -> "no Ready streaming pod\n" + story())
        .isTrue();
    return found[0];
  }

  private Pod readyPod(String namespace, String label, String value, String notUid) {
    List<Pod> ready =
        admin.pods().inNamespace(namespace).withLabel(label, value).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null && !p.getMetadata().getUid().equals(notUid))
            .filter(p -> p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
            .toList();
    return ready.size() == 1 ? ready.get(0) : null;
  }

  private static int restarts(Pod p) {
    return p.getStatus().getContainerStatuses().get(0).getRestartCount();
  }

  /** Sessions from the snapshot pod's address waiting for a lock: the snapshot held at the locked table. */
  private long waitingOnTheTable() {
    List<Pod> pods = jobPods(SNAPSHOT);
    String ip = pods.size() == 1 ? pods.get(0).getStatus().getPodIP() : null;
    if (ip == null) {
      return 0;
    }
    return source.query(
        "postgres",
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.client_addr = '" + ip + "'");
  }

  private Job job(String name) {
    return admin.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  private static boolean complete(Job j) {
    return j != null
        && j.getStatus() != null
        && j.getStatus().getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private List<Pod> jobPods(String job) {
    return admin.pods().inNamespace(NS).withLabel("job-name", job).list().getItems();
  }

  private Deployment deployment() {
    return admin.apps().deployments().inNamespace(NS).withName(STREAM).get();
  }

  private PgstreamPipeline pipeline() {
    return admin.resources(PgstreamPipeline.class).inNamespace(NS).withName(NAME).get();
  }

  private String readyStatus() {
    return StatusUpdater.condition(pipeline().getStatus(), ConditionType.Ready).map(c -> c.getStatus()).orElse(null);
  }

  private io.fabric8.kubernetes.api.model.Secret secret(String name, String user) {
    var s = Pipelines.secret(name, user, PASSWORD);
    s.getMetadata().setNamespace(NS);
    return s;
  }

  private static String name(HasMetadata o) {
    return o.getMetadata().getName();
  }

  /** What the node runs now and what the pipeline says, for failure messages. */
  private String story() {
    return Peers.kubectl("get", "pods,jobs,deployments", "--all-namespaces", "-o", "wide").output()
        + Peers.kubectl("describe", "pgstreampipeline", NAME, "-n", NS).output();
  }

  /**
   * target/e2e-node/STEP/: `kubectl describe` of the pipeline, the logs of every pod of the pipeline and of the operator,
   * and the pod listing, which also goes to the log.
   */
  private void capture(String step) {
    Path dir = report.resolve(step);
    try {
      Files.createDirectories(dir);
      String describe = Peers.kubectl("describe", "pgstreampipeline", NAME, "-n", NS).output();
      assertThat(describe).doesNotContain(PASSWORD);
      Files.writeString(dir.resolve("describe-pgstreampipeline.txt"), describe);
      for (String ns : List.of(NS, OPERATOR_NS)) {
        for (Pod pod : admin.pods().inNamespace(ns).list().getItems()) {
          Files.writeString(dir.resolve("logs-" + name(pod) + ".log"), Peers.kubectl("logs", "-n", ns, name(pod), "--all-containers").output());
        }
      }
      String pods = Peers.kubectl("get", "pods", "--all-namespaces", "-o", "wide").output();
      Files.writeString(dir.resolve("pods.txt"), pods);
      System.out.println("[e2e-node] " + step + ":\n" + pods);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A command from the repository root that must succeed; its output. */
  private static String run(String... command) {
    Peers.Result r = Peers.run(List.of(command));
    if (r.exitCode() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
    }
    return r.output();
  }
}
