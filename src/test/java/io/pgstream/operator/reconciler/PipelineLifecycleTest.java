package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.OnConflictAction;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PodTemplate;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepTimeouts;
import io.pgstream.operator.api.VerificationSpec;
import io.pgstream.operator.api.VerificationState;
import io.pgstream.operator.api.VerificationStatus;
import io.pgstream.operator.aws.RdsResource;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.support.ApiUsage;
import io.pgstream.operator.support.CapturedLogs;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.FakeRds;
import io.pgstream.operator.support.FaultInjector;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TcpProxy;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestPostgres;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real operator against the Fabric8 mock API server in CRUD mode, from create to delete. */
@EnableKubernetesMockClient(crud = true)
class PipelineLifecycleTest {
  static final String NAME = "orders";
  static final String SLOT = ReplicationSlots.defaultName(NAMESPACE, NAME);
  static final Duration SLOT_CHECK_INTERVAL = Duration.ofSeconds(1);
  static final AtomicInteger TESTS_RUN = new AtomicInteger();

  KubernetesMockServer server;
  KubernetesClient client;
  /** The operator's own client: its requests carry a User-Agent of their own, for the RBAC check. */
  KubernetesClient operatorClient;
  FakeKubelet kubelet;
  Operator operator;
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final FakeRds aws = new FakeRds();
  final FaultInjector faults = new FaultInjector();
  Map<Integer, String> runners = Pipelines.RUNNERS;

  @BeforeEach
  void start() {
    kubelet = new FakeKubelet(client);
    operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(ApiUsage.OPERATOR_USER_AGENT).build())
            .build();
    operator = startOperator();
  }

  @AfterEach
  void stopAndCheckForLeaks() {
    operator.stop();
    operatorClient.close();
    aws.close();
    faults.close();
    TestDatabases.dropSlots();
    drain();
    TESTS_RUN.incrementAndGet();
    List<String> exposed = new ArrayList<>();
    client.configMaps().inAnyNamespace().list().getItems().forEach(c -> exposed.add(Serialization.asJson(c)));
    client.v1().events().inAnyNamespace().list().getItems().forEach(e -> exposed.add(Serialization.asJson(e)));
    pipelines().list().getItems().forEach(p -> exposed.add(Serialization.asJson(p)));
    client.batch().v1().jobs().inAnyNamespace().list().getItems().forEach(j -> exposed.add(Serialization.asJson(j)));
    client.apps().deployments().inAnyNamespace().list().getItems().forEach(d -> exposed.add(Serialization.asJson(d)));
    assertThat(CapturedLogs.lines()).as("the operator's logs are captured").isNotEmpty();
    exposed.addAll(CapturedLogs.lines());
    for (String password : List.of(Pipelines.SOURCE_PASSWORD, Pipelines.TARGET_PASSWORD)) {
      String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8);
      assertThat(exposed).noneMatch(text -> text.contains(password) || text.contains(encoded));
    }
  }

  @Test
  void runsInitThenSnapshotThenStreamingAndSurvivesARestartMidSnapshot() {
    PgstreamPipeline applied = Pipelines.onTestDatabase(NAME);
    String appliedSpec = Serialization.asJson(applied.getSpec());
    apply(applied);

    await().until(() -> job("init") != null);
    ConfigMap config = client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get();
    assertThat(config.getData()).containsKeys("snapshot.yaml", "replication.yaml");
    assertThat(config.getData().keySet()).as("the rest are step Jobs' own files")
        .filteredOn(k -> !k.equals("snapshot.yaml") && !k.equals("replication.yaml")).allMatch(k -> k.startsWith("job-"));
    assertThat(config.getData().get("replication.yaml")).contains("${PGSTREAM_SOURCE_PASSWORD}");
    Secret creds = client.secrets().inNamespace(NAMESPACE).withName(NAME + "-pgstream-credentials").get();
    assertThat(creds.getData()).containsKeys("PGSTREAM_SOURCE_PASSWORD", "PGSTREAM_TARGET_PASSWORD");
    assertThat(decode(creds.getData().get("PGSTREAM_SOURCE_PASSWORD")))
        .isEqualTo(URLEncoder.encode(Pipelines.SOURCE_PASSWORD, StandardCharsets.UTF_8));
    awaitPhase(Phase.Initializing);
    assertThat(job("init").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).startsWith("init", "-c");
    assertThat(PipelineObjects.jobConfig(client, job("init")))
        .isEqualTo(client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get("replication.yaml"));
    assertThat(job("snapshot")).isNull();
    assertThat(deployment()).isNull();
    assertThat(condition("Ready")).isEqualTo("False/Initializing");

    initSucceeded();
    await().until(() -> job("snapshot") != null);
    awaitPhase(Phase.Snapshotting);
    assertThat(condition("Initialized")).isEqualTo("True/Succeeded");
    Job snapshot = job("snapshot");
    assertThat(snapshot.getSpec().getBackoffLimit()).isZero();
    assertThat(snapshot.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .as("the source is PostgreSQL 17: the runner with pg_dump 17")
        .isEqualTo(Pipelines.RUNNERS.get(17));
    assertThat(job("init").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(PgstreamPods.DEFAULT_IMAGE);

    operator.stop();
    operator = startOperator();
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");

    await().until(() -> deployment() != null);
    assertThat(job("snapshot").getMetadata().getUid()).isEqualTo(snapshot.getMetadata().getUid());
    awaitPhase(Phase.Streaming);
    assertThat(condition("SnapshotCompleted")).isEqualTo("True/Succeeded");
    assertThat(condition("Ready")).isEqualTo("False/DeploymentUnavailable");

    Deployment d = deployment();
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    assertThat(d.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    var pod = d.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getArgs()).containsExactly("run", "-c", "/etc/pgstream/replication.yaml");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(container.getEnv())
        .allSatisfy(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(NAME + "-pgstream-credentials"));

    kubelet.deploymentAvailable(NAMESPACE, NAME + "-stream");
    awaitStreaming();
    assertThat(condition("Degraded")).isEqualTo("False/AsExpected");
    assertThat(pipeline().getStatus().observedGeneration).isEqualTo(pipeline().getMetadata().getGeneration());
    List<String> reasons = eventReasons();
    for (String phaseEvent : List.of("Initializing", "Snapshotting", "Streaming")) {
      assertThat(reasons).as("one Event per phase change").containsOnlyOnce(phaseEvent);
    }
    assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(2);
    // GitOps: the operator never writes spec (no defaulted fields) nor labels or annotations of the resource.
    assertThat(Serialization.asJson(pipeline().getSpec())).isEqualTo(appliedSpec);
    assertThat(pipeline().getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(pipeline().getMetadata().getLabels()).isNullOrEmpty();
  }

  @Test
  void anUnchangedPipelineIsNotWrittenAgainAndAFinishedSnapshotIsNeverRepeated() throws InterruptedException {
    PgstreamPipeline templated = Pipelines.onTestDatabase(NAME);
    templated.getSpec().podTemplate = podTemplate("a");
    driveToStreaming(templated);
    String snapshotUid = job("snapshot").getMetadata().getUid();
    String statusBefore = Serialization.asJson(pipeline().getStatus());

    // The snapshot Job disappears (cleaned up by hand or by a TTL) and the operator restarts.
    operator.stop();
    client.batch().v1().jobs().inNamespace(NAMESPACE).withName(NAME + "-snapshot").delete();
    await().until(() -> job("snapshot") == null);
    drain();
    operator = startOperator();
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);

    List<String> writes = new ArrayList<>();
    for (RecordedRequest r : drain()) {
      if (!r.getMethod().equals("GET")) {
        writes.add(r.getMethod() + " " + r.getPath());
      }
    }
    assertThat(writes).as("writes after restarting on an unchanged, streaming pipeline").isEmpty();
    assertThat(job("snapshot")).isNull();
    assertThat(Serialization.asJson(pipeline().getStatus())).isEqualTo(statusBefore);
    assertThat(snapshotUid).isNotNull();
  }

  @Test
  void aSpecChangeRollsTheConfigAndTheDeploymentButNotTheSnapshot() {
    driveToStreaming();
    String snapshotUid = job("snapshot").getMetadata().getUid();
    String hashBefore = podConfigHash();

    PgstreamPipeline p = pipeline();
    p.getSpec().target.batch = new io.pgstream.operator.api.BatchSpec();
    p.getSpec().target.batch.size = 700;
    pipelines().resource(p).update();

    await().until(() -> !podConfigHash().equals(hashBefore));
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get("replication.yaml"))
        .contains("size: 700");
    assertThat(job("snapshot").getMetadata().getUid()).isEqualTo(snapshotUid);
    assertThat(pipeline().getStatus().snapshot.state).isEqualTo(StepState.Succeeded);
    await().until(() -> pipeline().getStatus().observedGeneration.equals(pipeline().getMetadata().getGeneration()));
  }

  @Test
  void aNewNonceTakesANewSnapshotWithStreamingPaused() {
    driveToStreaming();
    String snapshotUid = job("snapshot").getMetadata().getUid();
    PgstreamPipeline p = pipeline();
    p.getSpec().snapshot.nonce = "resnapshot-1";
    pipelines().resource(p).update();

    awaitReplaced("snapshot", snapshotUid);
    await().until(() -> deployment() == null);
    awaitPhase(Phase.Snapshotting);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null);
    assertThat(pipeline().getStatus().snapshot.nonce).isEqualTo("resnapshot-1");
  }

  /**
   * The re-snapshot waits for the streaming pod, which outlives its Deployment; the pod's end is an
   * event (PodEvents), so the snapshot starts at once instead of at the next 5 s recheck.
   */
  @Test
  void aNewSnapshotStartsAsSoonAsTheLastStreamingPodIsGone() {
    driveToStreaming();
    Pod pod = kubelet.deploymentPodRunning(deployment());
    String snapshotUid = job("snapshot").getMetadata().getUid();
    PgstreamPipeline p = pipeline();
    p.getSpec().snapshot.nonce = "resnapshot-1";
    pipelines().resource(p).update();
    await().until(() -> "False/WaitingForWritersToStop".equals(condition("SnapshotCompleted")));
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("no snapshot beside the streaming pod").isEqualTo(snapshotUid);

    client.pods().inNamespace(NAMESPACE).resource(pod).delete();
    await().atMost(Duration.ofMillis(2500)).until(() -> replaced("snapshot", snapshotUid));
  }

  @Test
  void aNewSnapshotIntoTablesThatHoldRowsWaitsUntilTheSpecSaysTruncate() {
    TestPostgres pg = TestDatabases.ready();
    try {
      driveToStreaming();
      // What the first snapshot copied.
      pg.execute(
          TestDatabases.TARGET_DB,
          "CREATE TABLE public.orders (id int PRIMARY KEY, total numeric)",
          "ALTER TABLE public.orders OWNER TO " + TestDatabases.TARGET_USER,
          "INSERT INTO public.orders VALUES (1, 2)",
          // The target's own table: public.* selects it by name, but the source has no such table.
          "CREATE TABLE public.local_audit (id int)",
          "ALTER TABLE public.local_audit OWNER TO " + TestDatabases.TARGET_USER,
          "INSERT INTO public.local_audit VALUES (1)");
      String snapshotUid = job("snapshot").getMetadata().getUid();
      PgstreamPipeline p = pipeline();
      p.getSpec().snapshot.nonce = "resnapshot-1";
      pipelines().resource(p).update();

      await().until(() -> "False/TargetNotEmpty".equals(condition("SnapshotCompleted")));
      assertThat(message("SnapshotCompleted")).contains("public.orders", "populatedTarget: Truncate", "nonce back");
      assertThat(condition("Degraded")).isEqualTo("True/TargetNotEmpty");
      assertThat(condition("Ready")).as("the refused re-snapshot leaves streaming as it was").isEqualTo("True/Streaming");
      assertThat(deployment()).isNotNull();
      assertThat(job("snapshot").getMetadata().getUid()).as("the last snapshot's Job stays").isEqualTo(snapshotUid);
      assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM public.orders")).isEqualTo(1);
      await().until(() -> eventReasons().contains("TargetNotEmpty"));

      p = pipeline();
      p.getSpec().snapshot.populatedTarget = PopulatedTargetPolicy.Truncate;
      pipelines().resource(p).update();
      await().until(() -> replaced("snapshot", snapshotUid));
      assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM public.orders")).isZero();
      assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM public.local_audit")).as("not the pipeline's table").isEqualTo(1);
      assertThat(condition("SnapshotCompleted")).isEqualTo("False/Running");
      await().until(() -> eventReasons().contains("TargetTruncated"));
    } finally {
      pg.execute(TestDatabases.TARGET_DB, "DROP TABLE IF EXISTS public.orders", "DROP TABLE IF EXISTS public.local_audit");
    }
  }

  /** Streaming is at least once (the slot starts before the snapshot; a restart repeats the unconfirmed tail). */
  @Test
  void repeatedInsertsAreSkippedAlsoAfterStreamingHasPassedTheSnapshot() {
    apply(Pipelines.onTestDatabase(NAME));
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    // Written after the slot started: the stream has it to replay, and it may meet a copied row.
    TestDatabases.ready().execute(TestDatabases.SOURCE_DB, "INSERT INTO public.orders VALUES (9001, 1)");
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null && pipeline().getStatus().snapshot.lsn != null);
    assertThat(replicationConfig()).contains("on_conflict_action: nothing");
    String streamUid = deployment().getMetadata().getUid();
    String hash = pipeline().getStatus().configHash;

    // Plays pgstream confirming its way past the snapshot's position: nothing changes.
    TestDatabases.ready().execute(TestDatabases.SOURCE_DB, "SELECT pg_replication_slot_advance('" + SLOT + "', pg_current_wal_lsn())");
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(replicationConfig()).contains("on_conflict_action: nothing");
    assertThat(pipeline().getStatus().configHash).isEqualTo(hash);
    assertThat(deployment().getMetadata().getUid()).as("the stream is not rolled").isEqualTo(streamUid);
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get("snapshot.yaml"))
        .as("the snapshot's own file does not change, so the finished snapshot is not taken again")
        .contains("on_conflict_action: nothing");
    TestDatabases.ready().execute(TestDatabases.SOURCE_DB, "DELETE FROM public.orders WHERE id = 9001");
  }

  private String replicationConfig() {
    return client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get("replication.yaml");
  }

  @Test
  void aMissingSecretLeavesThePipelinePendingWithAClearConditionUntilItAppears() {
    apply(Pipelines.onTestDatabase(NAME), Pipelines.secretsFor(NAME).get(0));

    awaitPhase(Phase.Pending);
    assertThat(condition("Ready")).isEqualTo("False/SecretNotFound");
    assertThat(message("Degraded")).contains("Secret default/orders-target", "does not exist");
    await().until(() -> eventReasons().contains("SecretNotFound"));
    assertThat(client.configMaps().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    assertThat(job("init")).isNull();

    client.resource(Pipelines.secretsFor(NAME).get(1)).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> job("init") != null);
    awaitPhase(Phase.Initializing);
    assertThat(eventReasons()).contains("Recovered");
  }

  @Test
  void aFailingPreflightHoldsEverythingBackUntilTheSpecIsFixed() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().target.disableTriggers = true;
    apply(p);

    awaitPhase(Phase.Pending);
    assertThat(condition("TargetReady")).isEqualTo("False/CannotSetSessionReplicationRole");
    assertThat(message("TargetReady")).contains("Set spec.target.disableTriggers: false");
    assertThat(condition("SourceReady")).isEqualTo("True/ChecksPassed");
    assertThat(condition("Ready")).isEqualTo("False/CannotSetSessionReplicationRole");
    await().until(() -> eventReasons().contains("CannotSetSessionReplicationRole"));
    assertThat(job("init")).isNull();

    PgstreamPipeline fixed = pipeline();
    fixed.getSpec().target.disableTriggers = false;
    pipelines().resource(fixed).update();
    await().until(() -> job("init") != null && "True/ChecksPassed".equals(condition("TargetReady")));
  }

  @Test
  void prepareRunsBeforeThePreflightAndInitRunsAsTheAdmin() {
    // The streaming login does not exist yet: preparation creates it, marks it as its own, and grants to it.
    String login = "orders_stream";
    TestDatabases.ready().login("pgstream_admin", Pipelines.SOURCE_PASSWORD, "SUPERUSER");
    PgstreamPipeline p = withSourcePrepare(Pipelines.onTestDatabase(NAME));
    p.getSpec().prepare.source.initAsAdmin = true;
    client.resource(Pipelines.secret("orders-admin", "pgstream_admin", Pipelines.SOURCE_PASSWORD)).create();
    apply(p, Pipelines.secret(NAME + "-source", login, Pipelines.SOURCE_PASSWORD), Pipelines.secretsFor(NAME).get(1));

    await().until(() -> job("init") != null && "True/Prepared".equals(condition("Prepared")));
    assertThat(message("Prepared")).contains("CREATE ROLE \"" + login + "\" LOGIN", "COMMENT ON ROLE \"" + login + "\"");
    assertThat(job("init").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("PGSTREAM_SOURCE_USER");
              assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("PGSTREAM_SOURCE_ADMIN_USER");
            });
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    await().until(() -> login.equals(pipeline().getStatus().pgstreamObjectsOwner));
    assertThat(job("snapshot").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("PGSTREAM_SOURCE_USER"));
  }

  @Test
  void aWrongPasswordOfALoginTheOperatorDidNotCreateIsReportedNotReset() throws SQLException {
    // The review's scenario: a Secret naming another application's login with a password of its own choosing.
    TestPostgres pg = TestDatabases.ready();
    pg.login("pgstream_admin", Pipelines.SOURCE_PASSWORD, "SUPERUSER");
    pg.login("payments_app", "their-secret", "");
    apply(
        withSourcePrepare(Pipelines.onTestDatabase(NAME)),
        Pipelines.secret("orders-admin", "pgstream_admin", Pipelines.SOURCE_PASSWORD),
        Pipelines.secret(NAME + "-source", "payments_app", "attacker-chosen"),
        Pipelines.secretsFor(NAME).get(1));

    await().until(() -> "False/LoginPasswordMismatch".equals(condition("Prepared")));
    assertThat(message("Prepared")).contains("payments_app", "does not reset passwords of roles it did not create", "adoptExistingRole");
    assertThat(condition("Ready")).isEqualTo("False/LoginPasswordMismatch");
    await().until(() -> eventReasons().contains("LoginPasswordMismatch"));
    assertThat(job("init")).isNull();
    try (Connection c =
        DatabaseConnector.defaults().open(pipeline().getSpec().source, TestDatabases.SOURCE_DB, "payments_app", "their-secret")) {
      assertThat(c.isValid(1)).as("its owner's password still works").isTrue();
    }
  }

  private static PgstreamPipeline withSourcePrepare(PgstreamPipeline p) {
    // An admin login is refused over a connection that may be plaintext.
    p.getSpec().source.sslMode = SslMode.REQUIRE;
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
    p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("orders-admin", "username"));
    p.getSpec().prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef("orders-admin", "password"));
    return p;
  }

  @Test
  void anRdsSourceWithoutLogicalReplicationWaitsWithTheConsoleSteps() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    FakeRds.Instance instance = aws.instance("orders-db", "default.postgres16", "0");
    // The instance lets this namespace use it, at the address the pipeline connects to.
    instance.tags.put(RdsResource.NAMESPACES_TAG, NAMESPACE);
    instance.address = p.getSpec().source.host;
    instance.port = p.getSpec().source.port;
    p.getSpec().source.rds = new RdsSpec();
    p.getSpec().source.rds.region = "eu-west-1";
    p.getSpec().source.rds.instanceIdentifier = "orders-db";
    apply(p);

    awaitPhase(Phase.Pending);
    assertThat(condition("RdsAccess")).isEqualTo("True/Granted");
    assertThat(condition("RdsLogicalReplication")).isEqualTo("False/DefaultParameterGroup");
    await().until(() -> eventReasons().contains("DefaultParameterGroup"));
    assertThat(job("init")).isNull();
    assertThat(aws.modifyingActions()).isEmpty();
  }

  @Test
  void withPreflightSkippedTheDatabasesAreNotContacted() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication(NAME);
    p.getSpec().preflight = io.pgstream.operator.api.PreflightPolicy.Skip;
    apply(p);
    await().until(() -> job("init") != null && "True/PreflightSkipped".equals(condition("SourceReady")));
  }

  @Test
  void theSlotIsMeasuredIntoStatusGaugesAndConditions() {
    driveToStreaming();
    await().until(() -> pipeline().getStatus().slot != null);
    assertThat(pipeline().getStatus().slot.state).isEqualTo("Healthy");
    assertThat(pipeline().getStatus().slot.lag).matches("<1 MiB|[0-9.]+ (MiB|GiB)");
    assertThat(metrics.find("pgstream_replication_slot_retained_wal_bytes").tag("pipeline", NAME).gauge()).isNotNull();

    // More WAL than the threshold: degraded, but still streaming.
    PgstreamPipeline p = pipeline();
    p.getSpec().maxRetainedWalBytes = 1_048_576L;
    pipelines().resource(p).update();
    TestDatabases.ready().execute(TestDatabases.SOURCE_DB, "INSERT INTO public.orders SELECT g, g FROM generate_series(1, 20000) g", "DELETE FROM public.orders");
    await().until(() -> "True/SlotLagHigh".equals(condition("Degraded")));
    assertThat(condition("Ready")).isEqualTo("True/Streaming");
    await().until(() -> eventReasons().contains("SlotLagHigh"));

    // The slot disappears behind the operator's back: reported, nothing recreated silently.
    TestDatabases.dropSlots();
    await().until(() -> "False/SlotLost".equals(condition("Ready")));
    assertThat(message("Ready")).contains("disappeared from");
  }

  @Test
  void aSlotCheckThatCannotLogInTurnsDegradedAfterAFewTries() {
    driveToStreaming();
    await().until(() -> pipeline().getStatus().slot != null);
    TestPostgres pg = TestDatabases.ready();
    // The database's password changes, the Secret's does not: the operator's slot checks are refused (28P01).
    pg.execute("postgres", "ALTER ROLE " + TestDatabases.SOURCE_USER + " PASSWORD 'changed-behind-the-operator'");
    try {
      await().atMost(Duration.ofSeconds(40)).until(() -> "True/SlotCheckFailed".equals(condition("Degraded")));
      assertThat(message("Degraded")).contains("authentication failed", "28P01", "Fix the credentials").doesNotContain(Pipelines.SOURCE_PASSWORD);
      assertThat(pipeline().getStatus().slot.state).as("a failed check never reports the slot Missing").isEqualTo("Healthy");
      assertThat(metrics.find("pgstream_replication_slot_check_failures").tag("pipeline", NAME).counter().count()).isGreaterThanOrEqualTo(3);
    } finally {
      pg.execute("postgres", "ALTER ROLE " + TestDatabases.SOURCE_USER + " PASSWORD '" + Pipelines.SOURCE_PASSWORD.replace("'", "''") + "'");
    }
    await().atMost(Duration.ofSeconds(40)).until(() -> "False/AsExpected".equals(condition("Degraded")));
  }

  @Test
  void aLeftoverSlotIsCountedNeverNamedToThePipelineAndNeverDropped() {
    driveToStreaming();
    TestDatabases.createSlot("pgstream_tenant_b_orders");
    await().until(() -> eventReasons().contains("UnclaimedSlots"));
    await().until(() -> Integer.valueOf(1).equals(pipeline().getStatus().slot.unclaimedSlotCount));
    assertThat(events()).anySatisfy(e -> assertThat(e.getMessage()).startsWith("1 inactive").contains("never drops them"));
    assertThat(events()).allSatisfy(e -> assertThat(e.getMessage()).doesNotContain("tenant_b"));
    assertThat(Serialization.asJson(pipeline().getStatus())).doesNotContain("tenant_b");
    assertThat(TestDatabases.slotExists("pgstream_tenant_b_orders")).isTrue();
  }

  @Test
  void aRotatedPasswordReachesTheCredentialsSecret() {
    driveToStreaming();
    Secret rotated = Pipelines.secret(NAME + "-source", TestDatabases.SOURCE_USER, "r0tated-" + Pipelines.SOURCE_PASSWORD);
    client.resource(rotated).update();
    // Secrets are not watched; a change of the pipeline (or the periodic resync) picks the new value up.
    PgstreamPipeline p = pipeline();
    p.getSpec().maxRetainedWalBytes = 2L * 1024 * 1024 * 1024;
    pipelines().resource(p).update();
    await()
        .until(
            () ->
                decode(client.secrets().inNamespace(NAMESPACE).withName(NAME + "-pgstream-credentials").get().getData().get("PGSTREAM_SOURCE_PASSWORD"))
                    .startsWith("r0tated-"));
  }

  @Test
  void aSchemaSnapshotWithoutARunnerNewEnoughWaitsAndSaysWhich() {
    operator.stop();
    runners = Map.of(16, "runner:pg16");
    operator = startOperator();
    apply(Pipelines.onTestDatabase(NAME));
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> "False/NoSnapshotRunner".equals(condition("Ready")));
    assertThat(message("Ready")).contains("PostgreSQL 17", "--runner-image 17=IMAGE", "spec.image");
    assertThat(job("snapshot")).isNull();
  }

  @Test
  void restartsAtEveryPhaseBoundaryConvergeWithoutRepeatingWork() {
    apply(Pipelines.onTestDatabase(NAME));
    restart();
    await().atMost(AFTER_RESTART).until(() -> job("init") != null);
    String initUid = job("init").getMetadata().getUid();
    restart();
    initSucceeded();
    restart();
    await().atMost(AFTER_RESTART).until(() -> job("snapshot") != null);
    String snapshotUid = job("snapshot").getMetadata().getUid();
    restart();
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    restart();
    await().atMost(AFTER_RESTART).until(() -> deployment() != null);
    String deploymentUid = deployment().getMetadata().getUid();
    restart();
    kubelet.deploymentAvailable(NAMESPACE, NAME + "-stream");
    restart();
    awaitStreaming();

    assertThat(job("init").getMetadata().getUid()).isEqualTo(initUid);
    assertThat(job("snapshot").getMetadata().getUid()).isEqualTo(snapshotUid);
    assertThat(deployment().getMetadata().getUid()).isEqualTo(deploymentUid);
    assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(2);
    assertThat(client.apps().deployments().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
    assertThat(TestDatabases.slotExists(SLOT)).as("the slot survives every restart").isTrue();
    List<String> reasons = eventReasons();
    for (String phaseEvent : List.of("Initializing", "Snapshotting", "Streaming")) {
      assertThat(reasons).as("one Event per phase change, restarts included").containsOnlyOnce(phaseEvent);
    }
  }

  /**
   * A reconcile of a stopping operator read informers already stopped: it found no snapshot Job and wrote that the old
   * one must go first, though nothing deleted it. The Job is the current one, and the pipeline goes on with it.
   */
  @Test
  void aStepWaitingForAJobNobodyDeletedGoesOnWithThatJob() {
    apply(Pipelines.onTestDatabase(NAME));
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> job("snapshot") != null && pipeline().getStatus().snapshot != null);
    String snapshotUid = job("snapshot").getMetadata().getUid();
    operator.stop();
    PgstreamPipeline p = pipeline();
    p.getStatus().snapshot.reason = StepPlanner.WAITING_FOR_JOB_GONE;
    pipelines().resource(p).updateStatus();
    operator = startOperator();
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");

    await().until(() -> deployment() != null);
    assertThat(job("snapshot").getMetadata().getUid()).isEqualTo(snapshotUid);
  }

  @Test
  void anUnreachableSourceIsReportedThenPickedUpWhenItComesBack() throws Exception {
    try (TcpProxy proxy = new TcpProxy(TestDatabases.ready().port())) {
      PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
      p.getSpec().source.port = proxy.port();
      apply(p);
      awaitPhase(Phase.Pending);
      await().until(() -> "False/SourceUnreachable".equals(condition("SourceReady")));
      assertThat(job("init")).isNull();

      proxy.up();
      // Rechecked after 10 s, then with a growing delay: no hot loop, and no event to wait for.
      await().atMost(Duration.ofSeconds(40)).until(() -> job("init") != null && "True/ChecksPassed".equals(condition("SourceReady")));
    }
  }

  @Test
  void anApiServerOutageDropsTheWatchesAndTheOperatorCatchesUpAfterwards() throws Exception {
    URI api = URI.create(client.getConfiguration().getMasterUrl());
    try (TcpProxy proxy = new TcpProxy(api.getPort())) {
      proxy.up();
      operator.stop();
      operatorClient.close();
      operatorClient =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder(client.getConfiguration())
                      .withMasterUrl(api.getScheme() + "://127.0.0.1:" + proxy.port() + "/")
                      .withUserAgent(ApiUsage.OPERATOR_USER_AGENT)
                      .withRequestRetryBackoffLimit(1)
                      .build())
              .build();
      operator = startOperator();
      driveToStreaming();
      String hashBefore = podConfigHash();

      // The API server goes away: every watch and request of the operator is cut, then refused.
      proxy.down();
      PgstreamPipeline p = pipeline();
      p.getSpec().target.batch = new io.pgstream.operator.api.BatchSpec();
      p.getSpec().target.batch.size = 250;
      pipelines().resource(p).update();
      await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
      assertThat(podConfigHash()).as("nothing can change while the API server is away").isEqualTo(hashBefore);

      proxy.up();
      await().atMost(Duration.ofSeconds(60)).until(() -> !podConfigHash().equals(hashBefore));
      assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(2);
      assertThat(client.apps().deployments().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
    }
  }

  @Test
  void serverErrorsAndWriteConflictsAreRetriedWithoutDuplicates() {
    restartOperatorThroughFaults();
    faults.fail("POST", "/jobs", 500, "InternalError", 2);
    // Another writer changes the pipeline just before the operator's first status write.
    faults.conflict(
        "PUT",
        "/pgstreampipelines/" + NAME + "/status",
        409,
        "Conflict",
        1,
        () -> pipelines().withName(NAME).edit(p -> {
          p.getMetadata().getLabels().put("touched-by", "someone-else");
          return p;
        }));

    driveToStreaming();

    assertThat(faults.injected()).anyMatch(r -> r.startsWith("POST") && r.endsWith("/jobs"));
    assertThat(faults.injected()).anyMatch(r -> r.startsWith("PUT") && r.endsWith("/status"));
    assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(2);
    assertThat(client.apps().deployments().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
    assertThat(condition("Degraded")).isEqualTo("False/AsExpected");
  }

  /**
   * Status lost (erased) just before the operator writes it: the write lands whole. A JSON patch, a
   * diff against the status the operator read, left only the changed fields: a status with no phase.
   */
  @Test
  void aStatusErasedJustBeforeTheOperatorsWriteEndsWhole() {
    restartOperatorThroughFaults();
    apply(Pipelines.onTestDatabase(NAME));
    await().until(() -> job("init") != null);
    List<String> partial = new CopyOnWriteArrayList<>();
    try (Watch w = pipelines().withName(NAME).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, PgstreamPipeline p) {
        if (p.getStatus() != null && p.getStatus().phase == null) {
          partial.add(p.getMetadata().getResourceVersion());
        }
      }

      @Override
      public void onClose(WatcherException e) {}
    })) {
      faults.before("/pgstreampipelines/" + NAME + "/status", 1, () -> pipelines().withName(NAME).editStatus(p -> {
        p.setStatus(null);
        return p;
      }));
      initSucceeded();
      await().until(() -> job("snapshot") != null);
      kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
      await().until(() -> deployment() != null);
    }

    assertThat(faults.injected()).anyMatch(r -> r.endsWith("/status"));
    assertThat(partial).as("versions of the pipeline with a status but no phase").isEmpty();
    assertThat(pipeline().getStatus().snapshot.lsn).isNotNull();
  }

  /** The operator dies and comes back (a pod restart): the new one knows only what status and children say. */
  /** A restarted operator syncs its informers first: on a loaded machine that alone can take seconds. */
  private static final Duration AFTER_RESTART = Duration.ofSeconds(30);

  private void restart() {
    operator.stop();
    operator = startOperator();
  }

  @Test
  void aSecretWithoutTheKeyNamesTheKey() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().source.password.secretKeyRef.key = "pw";
    apply(p);
    awaitPhase(Phase.Pending);
    assertThat(condition("ConfigRendered")).isEqualTo("False/SecretKeyNotFound");
    assertThat(message("ConfigRendered")).isEqualTo("Secret default/orders-source has no key pw (source password)");
  }

  @Test
  void anUnrelatedObjectWithAChildsNameIsNeitherOverwrittenNorAdopted() {
    Secret foreign = Pipelines.secret(NAME + "-pgstream-credentials", "someone", "else");
    client.resource(foreign).create();
    apply(Pipelines.onTestDatabase(NAME));

    awaitPhase(Phase.Failed);
    assertThat(condition("Ready")).isEqualTo("False/NameConflict");
    assertThat(message("Ready")).contains("Secret default/orders-pgstream-credentials already exists");
    assertThat(client.secrets().inNamespace(NAMESPACE).withName(NAME + "-pgstream-credentials").get().getData())
        .isEqualTo(foreign.getData());
    assertThat(job("init")).isNull();
  }

  /** The create itself finds the conflict; one read then tells whose object is in the way. */
  @Test
  void anUnrelatedConfigMapWithAChildsNameIsNeitherOverwrittenNorAdopted() {
    ConfigMap foreign =
        new ConfigMapBuilder().withNewMetadata().withName(NAME + "-pgstream-config").withNamespace(NAMESPACE).endMetadata()
            .addToData("theirs", "x").build();
    client.resource(foreign).create();
    apply(Pipelines.onTestDatabase(NAME));

    awaitPhase(Phase.Failed);
    assertThat(condition("Ready")).isEqualTo("False/NameConflict");
    assertThat(message("Ready")).contains("ConfigMap default/orders-pgstream-config already exists");
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData())
        .isEqualTo(Map.of("theirs", "x"));
    assertThat(job("init")).isNull();
  }

  @Test
  void anInvalidSpecFailsWithTheReasonAndStartsNothing() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().replicationSlot = "Bad-Slot";
    p.getSpec().tables = List.of();
    apply(p);

    awaitPhase(Phase.Failed);
    assertThat(condition("Ready")).isEqualTo("False/InvalidSpec");
    assertThat(message("Ready"))
        .contains("spec.replicationSlot must match ^[a-z0-9_]+$")
        .contains("spec.tables must name at least one table");
    await().until(() -> eventReasons().contains("InvalidSpec"));
    assertThat(job("init")).isNull();
    assertThat(client.configMaps().inNamespace(NAMESPACE).list().getItems()).isEmpty();
  }

  @Test
  void aFailedSnapshotIsReportedWithItsRedactedMessageAndNotRetriedInALoop() {
    apply(Pipelines.onTestDatabase(NAME));
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    String uid = job("snapshot").getMetadata().getUid();
    String encoded = URLEncoder.encode(Pipelines.SOURCE_PASSWORD, StandardCharsets.UTF_8);

    kubelet.jobFailed(
        NAMESPACE,
        NAME + "-snapshot",
        "{\"level\":\"error\",\"message\":\"pg_dump: error: connection to postgres://pgstream_source:"
            + encoded
            + "@source.db:5432/app failed: FATAL: password authentication failed; password was "
            + Pipelines.SOURCE_PASSWORD
            + "\"}");

    awaitPhase(Phase.Failed);
    assertThat(condition("SnapshotCompleted")).isEqualTo("False/SnapshotFailed");
    assertThat(message("SnapshotCompleted"))
        .contains("pgstream snapshot failed", "exit code 1", "password authentication failed", "pgstream_source:****@source.db");
    await().until(() -> eventReasons().contains("SnapshotFailed"));
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).isEqualTo(uid);
    assertThat(eventReasons().stream().filter("SnapshotFailed"::equals)).hasSize(1);
    assertThat(deployment()).isNull();

    // Deleting the failed Job is the user's way to retry with the same spec.
    client.batch().v1().jobs().inNamespace(NAMESPACE).withName(NAME + "-snapshot").delete();
    awaitReplaced("snapshot", uid);
    awaitPhase(Phase.Snapshotting);
  }

  // The review's probes of running and failed steps (M1, M2, M3), inverted.

  @Test
  void aTuningChangeDuringARunningSnapshotWaitsForItInsteadOfReplacingIt() {
    String uid = toRunningSnapshot();
    edit(p -> p.getSpec().snapshot.copyWorkers = 3);
    await().until(() -> "False/SpecChangedDuringSnapshot".equals(condition("SnapshotCompleted")));
    assertThat(message("SnapshotCompleted"))
        .contains("takes effect after this run", Annotations.ABORT, "spec.snapshot.nonce");
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("the running snapshot is kept").isEqualTo(uid);
    // A pod Kubernetes starts for it now (late, or after an eviction) reads what the Job was created for.
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get(PgstreamConfigRenderer.SNAPSHOT_FILE))
        .as("the new render").contains("copy_workers: 3");
    assertThat(PipelineObjects.jobConfig(client, job("snapshot"))).as("the running Job's own file").isNotNull().doesNotContain("copy_workers: 3");
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Snapshotting);

    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null);
    assertThat(job("snapshot").getMetadata().getUid()).as("and counts: no second snapshot").isEqualTo(uid);
  }

  @Test
  void aPodTemplateReachesEveryPodAndAnEditWaitsForARunningSnapshotThenRollsStreaming() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().podTemplate = podTemplate("a");
    apply(p);
    await().until(() -> job("init") != null);
    assertTemplated(job("init").getSpec().getTemplate(), "a");
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    awaitPhase(Phase.Snapshotting);
    String uid = uid("snapshot");
    assertTemplated(job("snapshot").getSpec().getTemplate(), "a");

    edit(q -> q.getSpec().podTemplate = podTemplate("b"));
    await().until(() -> "False/SpecChangedDuringSnapshot".equals(condition("SnapshotCompleted")));
    assertThat(message("SnapshotCompleted")).contains("spec.podTemplate", "takes effect after this run");
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(uid("snapshot")).as("the running snapshot is kept").isEqualTo(uid);

    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null);
    assertTemplated(deployment().getSpec().getTemplate(), "b");
    assertThat(deployment().getSpec().getSelector().getMatchLabels()).as("the selector is the operator's alone")
        .isEqualTo(Children.labels(pipeline(), "streaming"));
    kubelet.deploymentAvailable(NAMESPACE, NAME + "-stream");
    awaitStreaming();

    edit(q -> q.getSpec().podTemplate = podTemplate("c"));
    await().until(() -> "c".equals(deployment().getSpec().getTemplate().getSpec().getNodeSelector().get("pool")));
    assertTemplated(deployment().getSpec().getTemplate(), "c");
    assertThat(uid("snapshot")).as("no second snapshot").isEqualTo(uid);
    assertThat(pipeline().getStatus().snapshot.state).isEqualTo(StepState.Succeeded);
  }

  @Test
  void aPodTemplateThatSetsWhatTheOperatorOwnsIsRefusedAndChangesNoPod() {
    driveToStreaming();
    Deployment before = deployment();
    edit(q -> {
      q.getSpec().podTemplate = podTemplate("a");
      q.getSpec().podTemplate.spec.undeclared().put("securityContext", Map.of("runAsUser", 0));
      q.getSpec().podTemplate.spec.env.add(new EnvVar("PGSTREAM_TARGET_PASSWORD", "stolen", null));
    });

    await().until(() -> "False/PodTemplateRejected".equals(condition("Ready")));
    assertThat(condition("ConfigRendered")).isEqualTo("False/PodTemplateRejected");
    assertThat(message("Ready"))
        .contains("spec.podTemplate.spec.securityContext is refused", "spec.podTemplate.spec.env[2] (PGSTREAM_TARGET_PASSWORD) is refused")
        .contains("remove it from the template", "use another name");
    await().until(() -> eventReasons().contains("PodTemplateRejected"));
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(deployment().getMetadata().getResourceVersion()).as("no pod changed").isEqualTo(before.getMetadata().getResourceVersion());
    assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).as("and none created").hasSize(2);

    edit(q -> {
      q.getSpec().podTemplate.spec.undeclared().clear();
      q.getSpec().podTemplate.spec.env.remove(2);
    });
    await().until(() -> "a".equals(deployment().getSpec().getTemplate().getSpec().getNodeSelector().get("pool")));
    assertThat(deployment().getSpec().getTemplate().getSpec().getSecurityContext()).isEqualTo(before.getSpec().getTemplate().getSpec().getSecurityContext());
    awaitStreaming();
  }

  @Test
  void aFailedSnapshotRunsAgainAfterThePodTemplateIsEdited() {
    String uid = toRunningSnapshot();
    kubelet.jobFailed(NAMESPACE, NAME + "-snapshot", "0/3 nodes are available: untolerated taint");
    awaitPhase(Phase.Failed);

    edit(p -> p.getSpec().podTemplate = podTemplate("a"));
    await().until(() -> replaced("snapshot", uid));
    assertTemplated(job("snapshot").getSpec().getTemplate(), "a");
    awaitPhase(Phase.Snapshotting);
  }

  /** A pod template as a user writes it: labels, annotations, scheduling, identity, env from a Secret and a ConfigMap. */
  private static PodTemplate podTemplate(String pool) {
    return Serialization.unmarshal(
        """
        metadata:
          labels: {team: payments}
          annotations: {example.com/owner: payments}
        spec:
          nodeSelector: {pool: %s}
          tolerations: [{key: dedicated, operator: Equal, value: pgstream, effect: NoSchedule}]
          priorityClassName: pipelines
          serviceAccountName: pgstream-runner
          env:
            - {name: TZ, value: UTC}
            - {name: EXTRA_TOKEN, valueFrom: {secretKeyRef: {name: extra, key: token}}}
          envFrom: [{prefix: APP_, configMapRef: {name: settings}}]
        """
            .formatted(pool),
        PodTemplate.class);
  }

  /** The template's values are there, beside everything the operator set, which is unchanged. */
  private void assertTemplated(PodTemplateSpec pod, String pool) {
    assertThat(pod.getMetadata().getLabels()).containsEntry("team", "payments").containsEntry(Children.INSTANCE_LABEL, NAME);
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("example.com/owner", "payments").containsKey(Children.CONFIG_HASH_ANNOTATION);
    PodSpec spec = pod.getSpec();
    assertThat(spec.getNodeSelector()).containsExactly(Map.entry("pool", pool));
    assertThat(spec.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(spec.getPriorityClassName()).isEqualTo("pipelines");
    assertThat(spec.getServiceAccountName()).isEqualTo("pgstream-runner");
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    var container = spec.getContainers().get(0);
    assertThat(container.getEnv()).extracting(EnvVar::getName)
        .containsExactly("PGSTREAM_SOURCE_USER", "PGSTREAM_SOURCE_PASSWORD", "PGSTREAM_TARGET_USER", "PGSTREAM_TARGET_PASSWORD", "TZ", "EXTRA_TOKEN");
    assertThat(container.getEnvFrom()).singleElement().satisfies(e -> assertThat(e.getPrefix()).isEqualTo("APP_"));
    assertThat(container.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/etc/pgstream", "/tmp");
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
    await().until(() -> replaced("snapshot", uid));
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
    await().until(() -> replaced("snapshot", first));
    String second = job("snapshot").getMetadata().getUid();
    client.pods().inNamespace(NAMESPACE).withName(NAME + "-snapshot-x1").delete();
    kubelet.jobFailed(NAMESPACE, NAME + "-snapshot", "connection reset again");
    awaitPhase(Phase.Failed);
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(job("snapshot").getMetadata().getUid()).as("the same value does not retry twice").isEqualTo(second);
    assertThat(pipeline().getStatus().retryHandled).isEqualTo("a");

    edit(p -> p.getMetadata().getAnnotations().put(Annotations.RETRY, "b"));
    await().until(() -> replaced("snapshot", second));
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
    pod.setStatus(new PodStatusBuilder().withPhase("Running").build());
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
        p.getMetadata().setAnnotations(new HashMap<>());
      }
      change.accept(p);
      pipelines().resource(p).update();
      return true;
    });
  }

  /** The step's Job exists and is another than the one with {@code uid}. */
  private boolean replaced(String step, String uid) {
    String now = uid(step);
    return now != null && !now.equals(uid);
  }

  private String uid(String step) {
    Job job = job(step);
    return job == null ? null : job.getMetadata().getUid();
  }

  private String podAnnotation(String key) {
    Deployment d = deployment();
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations().get(key);
  }

  @Test
  void aStreamStoppedByARejectedWriteIsDegradedWithoutTheRowsValuesUntilItRunsAgain() throws Exception {
    driveToStreaming();
    kubelet.streamingPodCrashing(NAMESPACE, NAME + "-stream", Files.readString(Path.of("src/test/resources/pgstream-logs/strict-stop.log")));

    await().until(() -> "True/WriteRejected".equals(condition("Degraded")));
    assertThat(condition("Ready")).isEqualTo("False/WriteRejected");
    assertThat(condition("Streaming")).isEqualTo("False/WriteRejected");
    assertThat(message("Degraded")).contains("check constraint \"total_not_negative\"", SLOT, "strictMode").doesNotContain("7654321");
    await().until(() -> eventReasons().contains("WriteRejected"));

    kubelet.streamingPodRunning(NAMESPACE, NAME + "-stream");
    await().until(() -> "True/Streaming".equals(condition("Ready")));
    assertThat(condition("Degraded")).isEqualTo("False/AsExpected");
  }

  @Test
  void withoutStrictModeTheWritesPgstreamDroppedAreCountedFromItsLog() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().target.strictMode = false;
    driveToStreaming(p);
    assertThat(condition("WritesDropped")).isEqualTo("False/NoneSeen");
    String dropped =
        "{\"level\":\"warn\",\"error.message\":\"constraint violation\",\"args\":[1,-1],\"severity\":\"DATALOSS\",\"dropped_queries\":%d,"
            + "\"message\":\"dropping failed query and advancing checkpoint, replica may diverge\"}\n";
    String log = "/api/v1/namespaces/default/pods/" + NAME + "-stream-x1/log?pretty=false&container=pgstream";
    server.expect().get().withPath(log + "&limitBytes=8388608").andReturn(200, dropped.formatted(1) + dropped.formatted(2)).once();
    kubelet.streamingPodRunning(NAMESPACE, NAME + "-stream");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "True/DroppedWrites".equals(condition("WritesDropped")));
    assertThat(condition("Degraded")).isEqualTo("True/DroppedWrites");
    assertThat(condition("Ready")).isEqualTo("True/Streaming");
    await().until(() -> pipeline().getStatus().droppedWrites.total == 2);
    assertThat(pipeline().getStatus().droppedWrites.container).isEqualTo(NAME + "-stream-x1/2");
    assertThat(message("WritesDropped")).contains("dropped 2 write statements").doesNotContain("-1]");
    await().until(() -> eventReasons().contains("DroppedWrites"));

    // pgstream restarts in its pod: what the earlier instance dropped after the last read, plus the new instance's own.
    server.expect().get().withPath(log + "&previous=true").andReturn(200, dropped.formatted(1) + dropped.formatted(2) + dropped.formatted(3)).always();
    server.expect().get().withPath(log + "&limitBytes=8388608").andReturn(200, dropped.formatted(1)).always();
    kubelet.streamingContainerRestarted(NAMESPACE, NAME + "-stream");
    await().until(() -> pipeline().getStatus().droppedWrites.total == 4);
    assertThat(pipeline().getStatus().droppedWrites.container).isEqualTo(NAME + "-stream-x1/3");
    assertThat(pipeline().getStatus().droppedWrites.containerCount).isEqualTo(1);

    // Turning strict mode on stops further drops; it does not repair what was dropped.
    p = pipeline();
    p.getSpec().target.strictMode = true;
    pipelines().resource(p).update();
    await().until(() -> replicationConfig().contains("strict_mode: true"));
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(condition("WritesDropped")).isEqualTo("True/DroppedWrites");
    assertThat(message("WritesDropped")).contains("clears once either completes").doesNotContain("set spec.target.strictMode: true");
  }

  @Test
  void deletingWithRetainLeavesTheSlotAndSaysSo() {
    driveToStreaming();
    pipelines().withName(NAME).delete();
    await().until(() -> pipeline() == null);
    assertThat(events())
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("SlotRetained");
              assertThat(e.getMessage()).contains(SLOT, "pg_drop_replication_slot");
            });
    assertThat(job("destroy")).isNull();
  }

  @Test
  void deletingWithDeleteStopsStreamingThenRunsPgstreamDestroy() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().deletionPolicy = DeletionPolicy.Delete;
    driveToStreaming(p);

    pipelines().withName(NAME).delete();
    await().until(() -> job("destroy") != null);
    assertThat(deployment()).isNull();
    assertThat(job("destroy").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).startsWith("destroy", "-c");
    assertThat(PipelineObjects.jobConfig(client, job("destroy")))
        .isEqualTo(client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get("replication.yaml"));
    assertThat(pipeline()).as("kept until the slot is dropped").isNotNull();

    kubelet.jobSucceeded(NAMESPACE, NAME + "-destroy");
    await().until(() -> pipeline() == null);
    assertThat(eventReasons()).contains("SlotDropped");
  }

  @Test
  void aVerificationRequestIsAnsweredOnceInStatusAnEventAndAGauge() throws Exception {
    TestPostgres pg = TestDatabases.ready();
    String rows = "INSERT INTO public.orders SELECT g, g * 2 FROM generate_series(1, 50) g";
    pg.execute(TestDatabases.SOURCE_DB, "DELETE FROM public.orders", rows);
    // Plays pgstream: confirms the source's position on the slot, as it does after writing to the target.
    ScheduledExecutorService confirmer = Executors.newSingleThreadScheduledExecutor();
    try {
      driveToStreaming();
      // What the snapshot copied (created after it, as the snapshot would into an empty target).
      pg.execute(
          TestDatabases.TARGET_DB,
          "SET ROLE " + TestDatabases.TARGET_USER,
          "CREATE TABLE public.orders (id int PRIMARY KEY, total numeric)",
          rows);
      confirmer.scheduleWithFixedDelay(
          () -> pg.execute(TestDatabases.SOURCE_DB, "SELECT pg_replication_slot_advance('" + SLOT + "', pg_current_wal_lsn())"),
          0,
          500,
          TimeUnit.MILLISECONDS);

      requestVerification("first");
      await().until(() -> verification() != null && verification().state == VerificationState.Matched);
      VerificationStatus matched = verification();
      assertThat(matched.request).isEqualTo("first");
      assertThat(matched.mismatchedTables).isZero();
      assertThat(matched.lsn).isNotBlank();
      assertThat(matched.tables).singleElement().satisfies(t -> {
        assertThat(t.table).isEqualTo("public.orders");
        assertThat(t.sourceRows).isEqualTo(50);
        assertThat(t.targetRows).isEqualTo(50);
        assertThat(t.match).isTrue();
      });
      await().until(() -> eventReasons().contains("VerificationMatched"));
      assertThat(verificationGauge()).isZero();

      // Reconciles for other reasons (a spec change, the slot checks every second) do not verify again.
      PgstreamPipeline p = pipeline();
      p.getSpec().maxRetainedWalBytes = 2_000_000_000L;
      pipelines().resource(p).update();
      await().until(() -> pipeline().getStatus().observedGeneration.equals(pipeline().getMetadata().getGeneration()));
      await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
      assertThat(Serialization.asJson(verification())).isEqualTo(Serialization.asJson(matched));
      assertThat(eventReasons().stream().filter(r -> r.startsWith("Verification"))).containsExactly("VerificationMatched");

      // A row changed on the target behind pgstream's back, and a new request.
      pg.execute(TestDatabases.TARGET_DB, "UPDATE public.orders SET total = -1 WHERE id = 7");
      requestVerification("second");
      await().until(() -> verification().state == VerificationState.Mismatched && "second".equals(verification().request));
      assertThat(verification().mismatchedTables).isEqualTo(1);
      assertThat(verification().message).startsWith("1 of 1 tables differ at source LSN ").endsWith(": public.orders");
      await().until(() -> eventReasons().contains("VerificationMismatched"));
      assertThat(events())
          .anySatisfy(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("VerificationMismatched");
            assertThat(e.getMessage()).contains("public.orders");
          });
      assertThat(verificationGauge()).isEqualTo(1);
    } finally {
      confirmer.shutdownNow();
      confirmer.awaitTermination(10, TimeUnit.SECONDS);
      pg.execute(TestDatabases.TARGET_DB, "DROP TABLE IF EXISTS public.orders");
      pg.execute(TestDatabases.SOURCE_DB, "DELETE FROM public.orders");
    }
  }

  @Test
  void aStreamingPipelineWhoseStatusIsLostResumesFromItsRecordsWithoutInitOrSnapshot() {
    driveToStreaming();
    String deploymentUid = deployment().getMetadata().getUid();
    await().until(() -> "True/Recorded".equals(condition("ProgressRecorded")));

    loseStatus(pipeline());
    awaitStreaming();
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(job("init")).as("init not run again").isNull();
    assertThat(job("snapshot")).as("the snapshot not taken again").isNull();
    assertThat(pipeline().getStatus().init.state).isEqualTo(StepState.Succeeded);
    assertThat(pipeline().getStatus().snapshot.state).isEqualTo(StepState.Succeeded);
    assertThat(pipeline().getStatus().snapshot.message).contains("not taken again");
    assertThat(pipeline().getStatus().slotsCreated).extracting(r -> r.name).contains(SLOT);
    assertThat(deployment().getMetadata().getUid()).isEqualTo(deploymentUid);
    assertThat(eventReasons()).contains("ProgressAdopted");
  }

  @Test
  void aPipelineReCreatedUnderItsNameAdoptsTheSnapshotAndSlotOfTheOldOne() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().deletionPolicy = DeletionPolicy.Retain;
    driveToStreaming(p);
    String oldUid = pipeline().getMetadata().getUid();
    await().until(() -> oldUid.equals(recordedUid()));

    // kubectl replace --force: the pipeline deleted, its children garbage-collected, the same spec created again.
    pipelines().withName(NAME).delete();
    await().until(() -> pipeline() == null);
    client.batch().v1().jobs().inNamespace(NAMESPACE).delete();
    client.apps().deployments().inNamespace(NAMESPACE).delete();
    client.configMaps().inNamespace(NAMESPACE).withName(Children.configMap(p)).delete();
    client.secrets().inNamespace(NAMESPACE).withName(Children.credentialsSecret(p)).delete();
    await().until(() -> job("init") == null && job("snapshot") == null && deployment() == null);
    p = Pipelines.onTestDatabase(NAME);
    p.getSpec().deletionPolicy = DeletionPolicy.Retain;
    pipelines().resource(p).create();

    awaitStreaming();
    String newUid = pipeline().getMetadata().getUid();
    assertThat(newUid).isNotEqualTo(oldUid);
    assertThat(job("init")).isNull();
    assertThat(job("snapshot")).isNull();
    assertThat(TestDatabases.slotExists(SLOT)).isTrue();
    await().until(() -> newUid.equals(recordedUid()));
    String row = TestDatabases.ready().text(TestDatabases.TARGET_DB, "SELECT row_to_json(r)::text FROM pgstream_operator.pipelines r");
    assertThat(row).contains(SLOT).doesNotContain(Pipelines.SOURCE_PASSWORD, Pipelines.TARGET_PASSWORD, TestDatabases.TARGET_USER);
  }

  @Test
  void aRecordOfAnotherNonceBlocksWithSnapshotStateUnknownUntilANewNonceTakesASnapshot() {
    streamingThenStatusLostWithAnotherNonce();
    assertThat(message("Ready"))
        .contains("nonce (none)", "asks for 'n2'", "a new spec.snapshot.nonce takes a new snapshot", "spec.acknowledgeGap", SLOT);
    assertThat(condition("SnapshotCompleted")).isEqualTo("False/SnapshotStateUnknown");
    await().until(() -> eventReasons().contains("SnapshotStateUnknown"));
    assertThat(job("init")).isNull();
    assertThat(job("snapshot")).isNull();

    PgstreamPipeline p = pipeline();
    p.getSpec().snapshot.nonce = "n3";
    pipelines().resource(p).update();
    await().until(() -> job("snapshot") != null);
    assertThat(job("init")).as("the slot is adopted, not created again").isNull();
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    awaitStreaming();
    await().until(() -> "n3".equals(TestDatabases.ready().text(TestDatabases.TARGET_DB, "SELECT snapshot_nonce FROM pgstream_operator.pipelines")));
  }

  @Test
  void aRecordTheTargetLoginMayNotWriteIsReportedStreamingGoesOnAndItIsWrittenOnceAllowed() {
    TestPostgres pg = TestDatabases.ready();
    pg.execute(TestDatabases.TARGET_DB, "CREATE SCHEMA pgstream_operator");
    driveToStreaming();
    await().until(() -> "False/RecordNotPermitted".equals(condition("ProgressRecorded")));
    assertThat(message("ProgressRecorded")).contains("pgstream_operator.pipelines", "permission denied", "Streaming goes on", "SnapshotStateUnknown");
    await().until(() -> eventReasons().contains("RecordNotPermitted"));
    assertThat(condition("Ready")).isEqualTo("True/Streaming");

    pg.execute(TestDatabases.TARGET_DB, "GRANT USAGE, CREATE ON SCHEMA pgstream_operator TO " + TestDatabases.TARGET_USER);
    await().until(() -> "True/Recorded".equals(condition("ProgressRecorded")));
    assertThat(pg.query(TestDatabases.TARGET_DB, "SELECT count(*) FROM pgstream_operator.pipelines WHERE snapshot_completed_at IS NOT NULL")).isEqualTo(1);
    assertThat(eventReasons().stream().filter("RecordNotPermitted"::equals)).as("reported once").hasSize(1);
  }

  @Test
  void anAcknowledgedGapAnswersSnapshotStateUnknownByStreamingOnWithoutASnapshot() {
    streamingThenStatusLostWithAnotherNonce();
    PgstreamPipeline p = pipeline();
    p.getSpec().acknowledgeGap = "accept-1";
    pipelines().resource(p).update();
    awaitStreaming();
    assertThat(job("init")).isNull();
    assertThat(job("snapshot")).isNull();
    assertThat(pipeline().getStatus().snapshot.message).contains("spec.acknowledgeGap accept-1");
    assertThat(pipeline().getStatus().gapAcknowledged).isEqualTo("accept-1");
    assertThat(pipeline().getStatus().unsettledProgress).isNull();
    await().until(() -> eventReasons().contains("GapAcknowledged"));
  }

  @Test
  void modeReplicationWithLostStatusAdoptsItsOwnSlotInsteadOfRunningInitAgain() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().mode = io.pgstream.operator.api.PipelineMode.REPLICATION;
    apply(p);
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> deployment() != null);
    kubelet.deploymentAvailable(NAMESPACE, NAME + "-stream");
    awaitStreaming();

    loseStatus(pipeline());
    awaitStreaming();
    assertThat(job("init")).isNull();
    assertThat(pipeline().getStatus().init.message).contains("slot " + SLOT + " exists on the source");
  }

  @Test
  void statusErasedWhileTheJobsSurviveGetsItsSlotRecordsBackAndTheSlotALaterSpecLeftIsAbandonedNotForgotten() {
    driveToStreaming();
    await().until(() -> "True/Recorded".equals(condition("ProgressRecorded")));
    PgstreamPipeline p = pipeline();
    p.getSpec().replicationSlot = "orders_renamed";
    pipelines().resource(p).update();
    await().until(() -> "False/SlotChanged".equals(condition("Ready")));

    // The status alone is erased, with the operator running and the step Jobs still there.
    PgstreamPipeline erased = pipeline();
    erased.setStatus(new io.pgstream.operator.api.PgstreamPipelineStatus());
    pipelines().resource(erased).updateStatus();

    await().until(() -> pipeline().getStatus().slotsCreated != null
        && pipeline().getStatus().slotsCreated.stream().anyMatch(r -> SLOT.equals(r.name)));
    assertThat(pipeline().getStatus().slotsCreated)
        .filteredOn(r -> SLOT.equals(r.name))
        .extracting(r -> r.state)
        .as("the slot the spec no longer streams from")
        .containsExactly(io.pgstream.operator.api.SlotRecordState.Abandoned);
  }

  /** Streaming with a recorded snapshot (no nonce); then status lost and the spec back with nonce n2: blocked. */
  private void streamingThenStatusLostWithAnotherNonce() {
    driveToStreaming();
    await().until(() -> "True/Recorded".equals(condition("ProgressRecorded")));
    PgstreamPipeline p = pipeline();
    p.getSpec().snapshot.nonce = "n2";
    loseStatus(p);
    await().until(() -> "False/SnapshotStateUnknown".equals(condition("Ready")));
  }

  /**
   * A restore without status (or a status wiped by a replace): the operator is down meanwhile, the
   * step Jobs are gone (a TTL, or not restored) and {@code p}'s spec is what comes back.
   */
  private void loseStatus(PgstreamPipeline p) {
    operator.stop();
    client.batch().v1().jobs().inNamespace(NAMESPACE).delete();
    await().until(() -> job("init") == null && job("snapshot") == null);
    pipelines().resource(p).update();
    new PipelineObjects(client, NAME).eraseStatus();
    assertThat(pipeline().getStatus().init).isNull();
    operator = startOperator();
  }

  private String recordedUid() {
    return TestDatabases.ready().text(TestDatabases.TARGET_DB, "SELECT uid FROM pgstream_operator.pipelines WHERE namespace = 'default' AND name = 'orders'");
  }

  private void requestVerification(String request) {
    PgstreamPipeline p = pipeline();
    p.getSpec().verification = new VerificationSpec();
    p.getSpec().verification.request = request;
    pipelines().resource(p).update();
  }

  private VerificationStatus verification() {
    return pipeline().getStatus().verification;
  }

  private double verificationGauge() {
    return metrics.find("pgstream_verification_mismatched_tables").tag("pipeline", NAME).gauge().value();
  }

  /** A new operator whose client passes through {@link #faults}. */
  private void restartOperatorThroughFaults() {
    operator.stop();
    operatorClient.close();
    operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(ApiUsage.OPERATOR_USER_AGENT).build())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("faults", faults))
            .build();
    operator = startOperator();
  }

  private void driveToStreaming() {
    driveToStreaming(Pipelines.onTestDatabase(NAME));
  }

  private void driveToStreaming(PgstreamPipeline p) {
    apply(p);
    await().until(() -> job("init") != null);
    initSucceeded();
    await().until(() -> job("snapshot") != null);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    await().until(() -> deployment() != null && pipeline().getStatus().snapshot.lsn != null);
    kubelet.deploymentAvailable(NAMESPACE, NAME + "-stream");
    awaitStreaming();
  }

  /** Reads the Job once per poll: it may be deleted between two reads. */
  private void awaitReplaced(String step, String uid) {
    await().until(() -> {
      Job next = job(step);
      return next != null && !next.getMetadata().getUid().equals(uid);
    });
  }

  private void awaitStreaming() {
    await().until(() -> {
      kubelet.keepAvailable(NAMESPACE, NAME + "-stream");
      return "True/Streaming".equals(condition("Ready"));
    });
  }

  /** What a real `pgstream init` Job does: create the slot, then succeed. */
  private void initSucceeded() {
    TestDatabases.createSlot(SLOT);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
  }

  private Operator startOperator() {
    OperatorSettings settings =
        OperatorSettings.forMockServer()
            .withRunnerImages(runners)
            .withRegistry(metrics)
            .withSlotCheckInterval(SLOT_CHECK_INTERVAL)
            .withAwsEndpoint(aws.endpoint());
    Operator o = PgstreamOperator.create(operatorClient, settings);
    o.start();
    return o;
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

  /** The requests since the last drain; the operator's are kept for the RBAC check. */
  private List<RecordedRequest> drain() {
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
        requests.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ApiUsage.record(requests);
    return requests;
  }

  /**
   * Least privilege: the role users install (deploy/, rendered from the chart) grants what these
   * tests saw the operator use, and nothing more, save the patch verb that server-side apply uses
   * on real clusters where the mock server sees create, update or a JSON patch. Leases are left out:
   * JOSDK's leader election first asks for a SelfSubjectRulesReview, which the mock server cannot
   * answer; the e2e tier proves the lease rule on a real API server (JOSDK requires get, create and
   * update before electing; Fabric8's LeaseLock renews with patch).
   */
  @AfterAll
  static void theRoleGrantsExactlyWhatTheOperatorUses() throws Exception {
    long tests = Arrays.stream(PipelineLifecycleTest.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Test.class)).count();
    if (TESTS_RUN.get() < tests) {
      return; // a partial run (one test picked by hand) does not exercise every call
    }
    Set<ApiUsage.Permission> used = new TreeSet<>(ApiUsage.used());
    // Against the mock server the status is written whole with PUT; real clusters apply it (PATCH).
    if (used.remove(new ApiUsage.Permission("pgstream.io", "pgstreampipelines/status", "update"))) {
      used.add(new ApiUsage.Permission("pgstream.io", "pgstreampipelines/status", "patch"));
    }
    Set<ApiUsage.Permission> granted = new TreeSet<>(ApiUsage.granted(Path.of("deploy/pgstream-operator.yaml")));
    granted.removeIf(p -> p.resource().equals("leases"));
    assertThat(granted).as("granted").containsAll(used);
    Set<ApiUsage.Permission> needed = new TreeSet<>(used);
    // Server-side apply on real clusters: the streaming Deployment and the status are written with PATCH
    // (JOSDK keeps ConfigMaps and Secrets on create/update; Jobs are created, never updated).
    Set<String> writtenWithSsa = Set.of("apps/deployments", "pgstream.io/pgstreampipelines/status");
    for (ApiUsage.Permission p : used) {
      if ((p.verb().equals("create") || p.verb().equals("update")) && writtenWithSsa.contains(p.group() + "/" + p.resource())) {
        needed.add(new ApiUsage.Permission(p.group(), p.resource(), "patch"));
      }
    }
    // Re-reading the primary after a write conflict (PrimaryUpdateAndCacheUtils) happens only on a conflict.
    needed.add(new ApiUsage.Permission("pgstream.io", "pgstreampipelines", "get"));
    assertThat(needed).as("used by the operator (with SSA's patch)").containsAll(granted);
  }

  private NonNamespaceOperation<PgstreamPipeline, KubernetesResourceList<PgstreamPipeline>, Resource<PgstreamPipeline>>
      pipelines() {
    return new PipelineObjects(client, NAME).pipelines();
  }

  private PgstreamPipeline pipeline() {
    return new PipelineObjects(client, NAME).pipeline();
  }

  private Job job(String step) {
    return new PipelineObjects(client, NAME).job(step);
  }

  private Deployment deployment() {
    return new PipelineObjects(client, NAME).deployment();
  }

  private String podConfigHash() {
    return deployment().getSpec().getTemplate().getMetadata().getAnnotations().get("pgstream.io/config-hash");
  }

  private void awaitPhase(Phase phase) {
    await().until(() -> pipeline() != null && pipeline().getStatus() != null && pipeline().getStatus().phase == phase);
  }

  private String condition(String type) {
    return conditionStream(type).map(c -> c.getStatus() + "/" + c.getReason()).findFirst().orElse(null);
  }

  private String message(String type) {
    return conditionStream(type).map(c -> c.getMessage()).findFirst().orElse(null);
  }

  private Stream<io.fabric8.kubernetes.api.model.Condition> conditionStream(String type) {
    PgstreamPipeline p = pipeline();
    if (p == null || p.getStatus() == null) {
      return Stream.empty();
    }
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.getType()));
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems();
  }

  private List<String> eventReasons() {
    return events().stream().map(Event::getReason).toList();
  }

  private static String decode(String base64) {
    return new String(java.util.Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
