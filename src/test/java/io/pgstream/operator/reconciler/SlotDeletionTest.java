package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.ApiUsage;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deletion decides from the slots status recorded: the real operator against the mock API server, the
 * slots on the real test PostgreSQL.
 */
@EnableKubernetesMockClient(crud = true)
class SlotDeletionTest {
  static final String ORDERS = "orders";
  static final String BILLING = "billing";

  KubernetesMockServer server;
  KubernetesClient client;
  KubernetesClient operatorClient;
  FakeKubelet kubelet;
  Operator operator;

  @BeforeEach
  void start() {
    // Two cores shared with other builds: the operator's steps take seconds, not milliseconds.
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    kubelet = new FakeKubelet(client);
    operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(ApiUsage.OPERATOR_USER_AGENT).build())
            .build();
    operator = startOperator();
  }

  @AfterEach
  void stop() {
    Awaitility.reset();
    operator.stop();
    operatorClient.close();
    requests();
    TestDatabases.dropSlots();
    TestDatabases.ready().execute(TestDatabases.SOURCE_DB, "DROP SCHEMA IF EXISTS pgstream CASCADE");
  }

  @Test
  void theSlotIsRecordedInStatusBeforeTheInitJobExists() {
    apply(withDelete(ORDERS));
    await().until(() -> job(ORDERS, "init") != null);

    SlotRecord record = pipeline(ORDERS).getStatus().slotsCreated.get(0);
    assertThat(record.name).isEqualTo(slot(ORDERS));
    assertThat(record.host).isEqualTo("127.0.0.1");
    assertThat(record.port).isEqualTo(TestDatabases.ready().port());
    assertThat(record.database).isEqualTo(TestDatabases.SOURCE_DB);
    assertThat(record.state).isEqualTo(SlotRecordState.Current);
    assertThat(pipeline(ORDERS).getStatus().deletionPolicy).isEqualTo(DeletionPolicy.Delete);
    List<String> writes = new ArrayList<>();
    for (RecordedRequest r : requests()) {
      if (r.getMethod().equals("PUT") && r.getPath().endsWith("/pgstreampipelines/" + ORDERS + "/status")) {
        writes.add("status");
      } else if (r.getMethod().equals("POST") && r.getPath().endsWith("/jobs")) {
        writes.add("job");
      }
    }
    assertThat(writes).as("the status with the record is written before the init Job is created").startsWith("status", "job");
  }

  @Test
  void deletingDuringARunningInitStopsItAndWaitsForItsPodsBeforeTheDestroy() {
    apply(withDelete(ORDERS));
    await().until(() -> job(ORDERS, "init") != null);
    client.pods().inNamespace(NAMESPACE).resource(
            new PodBuilder().withNewMetadata().withName(ORDERS + "-init-x1").addToLabels("job-name", ORDERS + "-init").endMetadata()
                .withNewSpec().addNewContainer().withName("pgstream").withImage("pgstream").endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build())
        .create();
    requests();

    pipelines().withName(ORDERS).delete();
    await().until(() -> job(ORDERS, "init") == null);
    assertThat(requests())
        .as("the init Job is deleted in the foreground")
        .anySatisfy(r -> {
          assertThat(r.getMethod()).isEqualTo("DELETE");
          assertThat(r.getPath()).endsWith("/jobs/" + ORDERS + "-init");
          assertThat(r.getUtf8Body()).contains("Foreground");
        });
    await().pollDelay(Duration.ofSeconds(6)).until(() -> true);
    assertThat(job(ORDERS, "destroy")).as("no destroy while a pod of init may still create the slot").isNull();

    client.pods().inNamespace(NAMESPACE).withName(ORDERS + "-init-x1").delete();
    await().until(() -> job(ORDERS, "destroy") != null);
    kubelet.jobSucceeded(NAMESPACE, ORDERS + "-destroy");
    await().until(() -> pipeline(ORDERS) == null);
  }

  @Test
  void anUnreadableSpecStillFinishesNamingTheRecordedSlots() {
    driveToStreaming(withDelete(ORDERS));
    // A merge patch, not an edit: the operator may write the status between an edit's read and its write.
    client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(PgstreamPipeline.class)).inNamespace(NAMESPACE).withName(ORDERS)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"mode\":\"from-a-newer-operator\"}}");
    await().until(() -> pipeline(ORDERS).getSpec().unreadable != null);

    pipelines().withName(ORDERS).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> pipeline(ORDERS) == null);
    assertThat(events(ORDERS)).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("SlotRetained");
      assertThat(e.getMessage()).contains(slot(ORDERS), "127.0.0.1:" + TestDatabases.ready().port() + "/" + TestDatabases.SOURCE_DB, "spec cannot be read", "pg_drop_replication_slot");
    });
    assertThat(TestDatabases.slotExists(slot(ORDERS))).isTrue();
  }

  @Test
  void inATerminatingNamespaceTheSlotIsDroppedOverJdbc() {
    driveToStreaming(withDelete(ORDERS));
    // What the API server answers in a namespace being deleted; the namespace controller has removed the children.
    var refusal = new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
        .withMessage("jobs \"orders-destroy\" is forbidden: unable to create new content in namespace default because it is being terminated")
        .withNewDetails().withName(ORDERS + "-destroy").withKind("jobs").addNewCause().withReason("NamespaceTerminating")
        .withMessage("namespace default is being terminated").withField("metadata.namespace").endCause().endDetails().build();
    for (String kind : List.of("/apis/batch/v1/namespaces/default/jobs", "/api/v1/namespaces/default/configmaps", "/api/v1/namespaces/default/secrets")) {
      server.expect().post().withPath(kind).andReturn(403, refusal).always();
    }
    client.configMaps().inNamespace(NAMESPACE).withName(ORDERS + "-pgstream-config").delete();
    client.secrets().inNamespace(NAMESPACE).withName(ORDERS + "-pgstream-credentials").delete();

    pipelines().withName(ORDERS).delete();
    await().until(() -> pipeline(ORDERS) == null);
    assertThat(TestDatabases.slotExists(slot(ORDERS))).isFalse();
    assertThat(job(ORDERS, "destroy")).isNull();
    assertThat(events(ORDERS)).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("SlotDropped");
      assertThat(e.getMessage()).contains(slot(ORDERS), "namespace is being deleted");
    });
  }

  /**
   * The source password is rotated (in the database and the Secret) just before the deletion, which
   * drops the slot over JDBC: the refused login makes the next look read the Secret again instead of
   * retrying the cached password until the cache expires (5 minutes).
   */
  @Test
  void aDeletionRightAfterAPasswordRotationLogsInWithTheNewPassword() {
    driveToStreaming(withDelete(ORDERS));
    // The cached logins are the old ones: the slot watch has logged in with them.
    await().until(() -> pipeline(ORDERS).getStatus().slot != null);
    var refusal = new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
        .withMessage("jobs \"orders-destroy\" is forbidden: unable to create new content in namespace default because it is being terminated")
        .withNewDetails().withName(ORDERS + "-destroy").withKind("jobs").addNewCause().withReason("NamespaceTerminating")
        .withMessage("namespace default is being terminated").withField("metadata.namespace").endCause().endDetails().build();
    server.expect().post().withPath("/apis/batch/v1/namespaces/default/jobs").andReturn(403, refusal).always();
    String rotated = "r0tated-" + Pipelines.SOURCE_PASSWORD;
    try {
      password(rotated);
      client.resource(Pipelines.secret(ORDERS + "-source", TestDatabases.SOURCE_USER, rotated)).update();

      pipelines().withName(ORDERS).delete();
      await().until(() -> pipeline(ORDERS) == null);
      assertThat(TestDatabases.slotExists(slot(ORDERS))).isFalse();
    } finally {
      password(Pipelines.SOURCE_PASSWORD);
    }
  }

  @Test
  void theSchemaStaysWhileAnotherPipelineReadsTheDatabaseAndTheLastOneOutDestroys() {
    driveToStreaming(withDelete(ORDERS));
    driveToStreaming(withDelete(BILLING));
    TestDatabases.ready().execute(TestDatabases.SOURCE_DB, "CREATE SCHEMA pgstream");

    pipelines().withName(ORDERS).delete();
    await().until(() -> pipeline(ORDERS) == null);
    assertThat(job(ORDERS, "destroy")).as("pgstream destroy would drop the schema billing uses").isNull();
    assertThat(TestDatabases.slotExists(slot(ORDERS))).isFalse();
    assertThat(TestDatabases.slotExists(slot(BILLING))).isTrue();
    assertThat(TestDatabases.ready().query(TestDatabases.SOURCE_DB, "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgstream'")).isEqualTo(1);
    assertThat(events(ORDERS)).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("SlotDropped");
      assertThat(e.getMessage()).contains(slot(ORDERS), "schema pgstream", NAMESPACE + "/" + BILLING);
    });

    pipelines().withName(BILLING).delete();
    await().until(() -> job(BILLING, "destroy") != null);
    kubelet.jobSucceeded(NAMESPACE, BILLING + "-destroy");
    await().until(() -> pipeline(BILLING) == null);
  }

  @Test
  void aModeSwitchKeepsTheSlotRecordedAndDeletionStillDropsIt() {
    driveToStreaming(withDelete(ORDERS));
    PgstreamPipeline p = pipeline(ORDERS);
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    pipelines().resource(p).update();
    await().until(() -> pipeline(ORDERS).getStatus().observedGeneration.equals(pipeline(ORDERS).getMetadata().getGeneration()));
    assertThat(pipeline(ORDERS).getStatus().slotsCreated).extracting(r -> r.name).containsExactly(slot(ORDERS));

    pipelines().withName(ORDERS).delete();
    await().until(() -> pipeline(ORDERS) == null);
    assertThat(TestDatabases.slotExists(slot(ORDERS))).isFalse();
  }

  @Test
  void anAbandonedSlotIsDroppedWithDeletionPolicyDelete() {
    driveToStreaming(withDelete(ORDERS));
    String old = "pgstream_abandoned_by_orders";
    TestDatabases.createSlot(old);
    operator.stop();
    PgstreamPipeline p = pipeline(ORDERS);
    p.getStatus().slotsCreated.add(record(old, "127.0.0.1", TestDatabases.ready().port(), TestDatabases.SOURCE_DB, SlotRecordState.Abandoned));
    pipelines().resource(p).updateStatus();
    operator = startOperator();

    await().until(() -> !TestDatabases.slotExists(old));
    await().until(() -> pipeline(ORDERS).getStatus().slotsCreated.stream().noneMatch(r -> r.name.equals(old)));
    assertThat(TestDatabases.slotExists(slot(ORDERS))).as("the current slot stays").isTrue();
    assertThat(events(ORDERS)).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("SlotDropped");
      assertThat(e.getMessage()).contains(old);
    });
  }

  @Test
  void anAbandonedSlotKeptWithRetainIsAnnouncedOnce() {
    PgstreamPipeline p = Pipelines.onTestDatabase(ORDERS);
    p = pipelines().resource(p).create();
    PgstreamPipelineStatus before = new PgstreamPipelineStatus();
    before.deletionPolicy = DeletionPolicy.Retain;
    before.slotsCreated = List.of(record("pgstream_old", "old.db", 5432, "app", SlotRecordState.Current));
    PgstreamPipelineStatus after = new PgstreamPipelineStatus();
    after.deletionPolicy = DeletionPolicy.Retain;
    after.slotsCreated = List.of(record("pgstream_old", "old.db", 5432, "app", SlotRecordState.Abandoned));
    var events = new io.pgstream.operator.status.EventRecorder(client, java.time.Clock.systemUTC());
    AbandonedSlots slots = new AbandonedSlots(null, events, new Notices(events));

    slots.announce(p, before, after);
    slots.announce(p, after, after);

    assertThat(events(ORDERS)).filteredOn(e -> e.getReason().equals("SlotAbandoned")).singleElement().satisfies(e ->
        assertThat(e.getMessage()).contains("pgstream_old", "old.db:5432/app", "SELECT pg_drop_replication_slot('pgstream_old');"));
  }

  @Test
  void aFailedDestroyIsReportedOnceWithTheWayOut() {
    driveToStreaming(withDelete(ORDERS));
    pipelines().withName(ORDERS).delete();
    await().until(() -> job(ORDERS, "destroy") != null);
    kubelet.jobFailed(NAMESPACE, ORDERS + "-destroy", "error: permission denied for schema pgstream");
    await().until(() -> events(ORDERS).stream().anyMatch(e -> e.getReason().equals("DestroyFailed")));
    // The deletion looks again every few seconds; the failure stands, and is not told again.
    await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ofSeconds(12)).until(() -> true);
    assertThat(events(ORDERS)).filteredOn(e -> e.getReason().equals("DestroyFailed")).singleElement().satisfies(e ->
        assertThat(e.getMessage()).contains(slot(ORDERS), "permission denied", "delete the Job to retry", "deletionPolicy: Retain"));

    PgstreamPipeline p = pipeline(ORDERS);
    p.getSpec().deletionPolicy = DeletionPolicy.Retain;
    pipelines().resource(p).update();
    await().until(() -> pipeline(ORDERS) == null);
    assertThat(TestDatabases.slotExists(slot(ORDERS))).isTrue();
  }

  @Test
  void aPipelineFromBeforeSlotRecordsGetsItsRecordFromStatusReplicationSlot() {
    driveToStreaming(withDelete(ORDERS));
    operator.stop();
    PgstreamPipeline p = pipeline(ORDERS);
    p.getStatus().slotsCreated = null;
    p.getStatus().deletionPolicy = null;
    pipelines().resource(p).updateStatus();
    assertThat(pipeline(ORDERS).getStatus().replicationSlot).isEqualTo(slot(ORDERS));
    operator = startOperator();

    await().until(() -> pipeline(ORDERS).getStatus().slotsCreated != null);
    assertThat(pipeline(ORDERS).getStatus().slotsCreated).singleElement().satisfies(r -> {
      assertThat(r.name).isEqualTo(slot(ORDERS));
      assertThat(r.database).isEqualTo(TestDatabases.SOURCE_DB);
      assertThat(r.state).isEqualTo(SlotRecordState.Current);
    });
    assertThat(pipeline(ORDERS).getStatus().deletionPolicy).isEqualTo(DeletionPolicy.Delete);
  }

  private static SlotRecord record(String name, String host, int port, String database, SlotRecordState state) {
    SlotRecord r = new SlotRecord();
    r.name = name;
    r.host = host;
    r.port = port;
    r.database = database;
    r.state = state;
    return r;
  }

  private PgstreamPipeline withDelete(String name) {
    PgstreamPipeline p = Pipelines.onTestDatabase(name);
    p.getSpec().deletionPolicy = DeletionPolicy.Delete;
    return p;
  }

  private void driveToStreaming(PgstreamPipeline p) {
    String name = p.getMetadata().getName();
    apply(p);
    await().until(() -> job(name, "init") != null);
    TestDatabases.createSlot(slot(name));
    kubelet.jobSucceeded(NAMESPACE, name + "-init");
    await().until(() -> job(name, "snapshot") != null);
    kubelet.jobSucceeded(NAMESPACE, name + "-snapshot");
    await().until(() -> client.apps().deployments().inNamespace(NAMESPACE).withName(name + "-stream").get() != null);
  }

  private static void password(String password) {
    TestDatabases.ready().execute("postgres", "ALTER ROLE " + TestDatabases.SOURCE_USER + " PASSWORD '" + password.replace("'", "''") + "'");
  }

  private String slot(String name) {
    PgstreamPipeline p = pipeline(name);
    return ReplicationSlots.slotFor(p == null ? Pipelines.onTestDatabase(name) : p);
  }

  private void apply(PgstreamPipeline p) {
    for (Secret s : Pipelines.secretsFor(p.getMetadata().getName())) {
      client.resource(s).create();
    }
    pipelines().resource(p).create();
  }

  private Operator startOperator() {
    OperatorSettings settings =
        OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS).withSlotCheckInterval(Duration.ofSeconds(1));
    Operator o = PgstreamOperator.create(operatorClient, settings);
    o.start();
    return o;
  }

  /** The operator's requests since the last call (kept for the RBAC check). */
  private List<RecordedRequest> requests() {
    List<RecordedRequest> all = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
        all.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ApiUsage.record(all);
    return all.stream().filter(r -> String.valueOf(r.getHeader("User-Agent")).startsWith(ApiUsage.OPERATOR_USER_AGENT)).toList();
  }

  private NonNamespaceOperation<PgstreamPipeline, KubernetesResourceList<PgstreamPipeline>, Resource<PgstreamPipeline>> pipelines() {
    return client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE);
  }

  private PgstreamPipeline pipeline(String name) {
    return pipelines().withName(name).get();
  }

  private Job job(String pipeline, String step) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(pipeline + "-" + step).get();
  }

  private List<Event> events(String pipeline) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(e -> pipeline.equals(e.getInvolvedObject().getName()))
        .toList();
  }
}
