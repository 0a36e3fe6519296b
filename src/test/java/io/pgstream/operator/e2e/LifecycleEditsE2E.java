package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PodTemplate;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.ResnapshotSpec;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Each kind of edit of the phase table made to a streaming pipeline while a writer inserts, updates
 * and deletes on the source throughout, with the real operator, the real pgstream and two real
 * PostgreSQL servers (pods played by {@link PodPlayer}). Every edit ends either with the target equal
 * to the source, table by table (row counts and checksums), or with a blocking condition that names
 * the gap and the way out; never Ready with rows missing. Tests run in order on one pipeline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleEditsE2E {
  static final String NS = "lifecycle";
  static final String NAME = "edits";
  static final String SOURCE_DB = "lc_source";
  static final String TARGET_DB = "lc_target";
  static final String SOURCE_USER = "lc_src";
  static final String TARGET_USER = "lc_tgt";
  static final String PASSWORD_1 = "lc-Pw:1/a";
  static final String PASSWORD_2 = "lc-Pw:2/b";

  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  KubernetesClient admin;
  PodPlayer pods;
  SourceWriter writer;
  WatchedPipeline watched;
  String sourcePassword = PASSWORD_1;

  @BeforeAll
  void start() throws Exception {
    WatchedPipeline.itemsDatabases(
        source, SOURCE_DB, target, TARGET_DB, new ResolvedCredentials(SOURCE_USER, PASSWORD_1, TARGET_USER, PASSWORD_1),
        "CREATE TABLE public.extra (id int PRIMARY KEY, label text)",
        "INSERT INTO public.extra SELECT g, 'extra-' || g FROM generate_series(1, 50) g");
    watched = WatchedPipeline.start(NS, NAME, "operator-lifecycle", source, SOURCE_DB);
    admin = watched.admin();
    pods = watched.pods();
    writer = watched.writer();
  }

  @AfterAll
  void stop() throws Exception {
    if (watched != null) {
      watched.close();
    }
  }

  @Test
  @Order(1)
  void aPipelineStreamsWhileTheWriterWrites() {
    watched.create(source, SOURCE_DB, target, TARGET_DB, new ResolvedCredentials(SOURCE_USER, PASSWORD_1, TARGET_USER, PASSWORD_1));
    awaitReadyAndEqual("the first snapshot and stream");
  }

  @Test
  @Order(2)
  void aStreamTuningEditRollsTheStreamAndLosesNothing() {
    long generation = deployment().getMetadata().getGeneration();
    edit(p -> {
      p.getSpec().target.batch = p.getSpec().target.batch == null ? new BatchSpec() : p.getSpec().target.batch;
      p.getSpec().target.batch.timeoutMillis = 500;
      return p;
    });
    awaitRolledPast(generation);
    awaitReadyAndEqual("after a batch timeout edit");
  }

  @Test
  @Order(3)
  void aResourcesEditRollsTheStreamAndLosesNothing() {
    long generation = deployment().getMetadata().getGeneration();
    edit(p -> {
      p.getSpec().resources = new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("300Mi")).build();
      return p;
    });
    awaitRolledPast(generation);
    awaitReadyAndEqual("after a resources edit");
  }

  /**
   * The pod template reaches the pod the real API server admits (its ServiceAccount and PriorityClass
   * exist) and the real pgstream process's environment, from a Secret and a ConfigMap of the namespace.
   */
  @Test
  @Order(4)
  void aPodTemplateEditRollsTheStreamOntoItsEnvironmentAndLosesNothing() {
    admin.resource(new ConfigMapBuilder().withNewMetadata().withName("lc-settings").withNamespace(NS).endMetadata()
        .addToData("REGION", "eu-west-1").build()).serverSideApply();
    admin.resource(secret("lc-extra", "unused", "t0ken-from-secret")).serverSideApply();
    admin.resource(new ServiceAccountBuilder().withNewMetadata().withName("lc-runner").withNamespace(NS).endMetadata().build()).serverSideApply();
    admin.resource(new PriorityClassBuilder().withNewMetadata().withName("lc-pipelines").endMetadata().withValue(1000).build()).serverSideApply();
    long generation = deployment().getMetadata().getGeneration();
    edit(p -> {
      p.getSpec().podTemplate = Serialization.unmarshal(
          """
          metadata:
            labels: {team: payments}
            annotations: {example.com/owner: payments}
          spec:
            nodeSelector: {pool: db-clients}
            tolerations: [{key: dedicated, operator: Equal, value: pgstream, effect: NoSchedule}]
            priorityClassName: lc-pipelines
            serviceAccountName: lc-runner
            env: [{name: EXTRA_TOKEN, valueFrom: {secretKeyRef: {name: lc-extra, key: password}}}]
            envFrom: [{prefix: APP_, configMapRef: {name: lc-settings}}]
          """,
          PodTemplate.class);
      return p;
    });
    awaitRolledPast(generation);
    awaitReadyAndEqual("after a pod template edit");

    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> "t0ken-from-secret".equals(pods.streamingEnvironment(NAME + "-stream").get("EXTRA_TOKEN"))))
        .withFailMessage(this::story)
        .isTrue();
    assertThat(pods.streamingEnvironment(NAME + "-stream"))
        .containsEntry("APP_REGION", "eu-west-1")
        .containsEntry(CredentialEnv.SOURCE_USER, SOURCE_USER);
    Pod pod = admin.pods().inNamespace(NS).withLabel(Children.INSTANCE_LABEL, NAME).list().getItems().get(0);
    assertThat(pod.getMetadata().getLabels()).containsEntry("team", "payments").containsEntry("app.kubernetes.io/component", "streaming");
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("example.com/owner", "payments");
    assertThat(pod.getSpec().getNodeSelector()).containsEntry("pool", "db-clients");
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("lc-runner");
    assertThat(pod.getSpec().getPriority()).as("admitted with the PriorityClass's value").isEqualTo(1000);
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  @Order(5)
  void anotherNameForTheSameSourceServerOnlyRollsTheStream() {
    String init = uid(NAME + "-init");
    String snapshot = uid(NAME + "-snapshot");
    long generation = deployment().getMetadata().getGeneration();
    edit(p -> {
      p.getSpec().source.host = "localhost";
      return p;
    });
    awaitRolledPast(generation);
    awaitReadyAndEqual("after the source host became localhost");
    assertThat(uid(NAME + "-init")).as("no new init for the same server").isEqualTo(init);
    assertThat(uid(NAME + "-snapshot")).as("no new snapshot for the same server").isEqualTo(snapshot);
  }

  @Test
  @Order(6)
  void anAddedTableIsNamedStaleUntilItIsBackfilled() {
    edit(p -> {
      p.getSpec().tables = List.of("public.items", "public.extra");
      return p;
    });
    assertThat(Peers.eventually(Duration.ofSeconds(90), () -> "True".equals(status(ConditionType.SnapshotStale))))
        .withFailMessage(this::story)
        .isTrue();
    assertThat(condition(ConditionType.SnapshotStale).getMessage()).contains("public.extra");
    edit(p -> {
      p.getSpec().snapshot.backfill = "extra-1";
      return p;
    });
    assertThat(Peers.eventually(Duration.ofSeconds(180), () -> "False".equals(status(ConditionType.SnapshotStale))))
        .withFailMessage(this::story)
        .isTrue();
    source.execute(SOURCE_DB, "INSERT INTO public.extra VALUES (1001, 'after the backfill')", "UPDATE public.extra SET label = 'changed' WHERE id = 1");
    awaitReadyAndEqual("after the backfill of public.extra");
  }

  /**
   * A target table damaged behind pgstream's back (a row deleted, one changed, one only the target has)
   * is copied again while the writer writes to it: its target copy is emptied first, since a copy that
   * skips the rows already there would keep the changed and the extra row.
   */
  @Test
  @Order(7)
  void aDamagedTargetTableIsResnapshottedWhileTheWriterWritesAndEndsEqual() {
    target.execute(
        TARGET_DB,
        "DELETE FROM public.items WHERE id IN (SELECT id FROM public.items ORDER BY id LIMIT 5)",
        "UPDATE public.items SET v = 'damaged' WHERE id = (SELECT max(id) FROM public.items)",
        "INSERT INTO public.items (id, v) VALUES (-1, 'only on the target')");
    // Rows of public.extra no change reached since its backfill (a replay may repeat the later ones).
    String untouched = "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM public.extra WHERE id BETWEEN 2 AND 50";
    String extra = target.text(TARGET_DB, untouched);
    edit(p -> {
      p.getSpec().snapshot.resnapshot = new ResnapshotSpec();
      p.getSpec().snapshot.resnapshot.value = "items-1";
      p.getSpec().snapshot.resnapshot.tables = List.of("public.items");
      return p;
    });
    assertThat(Peers.eventually(Duration.ofSeconds(180), () -> {
      PgstreamPipeline p = pipeline();
      return "items-1".equals(p.getStatus().resnapshotHandled) && p.getStatus().backfill.state == StepState.Succeeded
          && "Resnapshotted".equals(condition(ConditionType.SnapshotStale).getReason());
    })).withFailMessage(this::story).isTrue();
    awaitReadyAndEqual("after the re-snapshot of public.items");
    assertThat(target.text(TARGET_DB, untouched))
        .as("a table outside the re-snapshot is not rewritten")
        .isEqualTo(extra);
  }

  @Test
  @Order(8)
  void aRotatedPasswordRollsTheStreamOntoIt() {
    long generation = deployment().getMetadata().getGeneration();
    source.execute("postgres", "ALTER ROLE " + SOURCE_USER + " PASSWORD '" + PASSWORD_2 + "'");
    sourcePassword = PASSWORD_2;
    // As kustomize's secretGenerator and most GitOps rotations do: a new Secret, referenced by the spec.
    admin.resource(secret(NAME + "-source-2", SOURCE_USER, PASSWORD_2)).serverSideApply();
    edit(p -> {
      p.getSpec().source.username.secretKeyRef.name = NAME + "-source-2";
      p.getSpec().source.password.secretKeyRef.name = NAME + "-source-2";
      return p;
    });
    awaitRolledPast(generation);
    awaitReadyAndEqual("after the source password rotated");
  }

  @Test
  @Order(9)
  void aRenamedSlotBlocksUntilANewSnapshotAndTheOldSlotIsDropped() {
    String oldSlot = pipeline().getStatus().replicationSlot;
    edit(p -> {
      p.getSpec().replicationSlot = "lc_renamed";
      return p;
    });
    awaitBlocked("SlotChanged", oldSlot);
    edit(p -> {
      p.getSpec().snapshot.nonce = "after-rename";
      return p;
    });
    awaitReadyAndEqual("after a new snapshot for the renamed slot");
    assertThat(pipeline().getStatus().replicationSlot).isEqualTo("lc_renamed");
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> slotCount(oldSlot) == 0))
        .withFailMessage(() -> "deletionPolicy Delete: the abandoned slot " + oldSlot + " stays\n" + story())
        .isTrue();
  }

  @Test
  @Order(10)
  void aSlotDroppedUnderTheStreamIsReportedAndNeverSilentlyRecreated() {
    String init = uid(NAME + "-init");
    // pgstream reconnects within moments of losing its session: end it and drop the slot until a drop wins.
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> {
      source.execute(
          SOURCE_DB,
          "SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots WHERE slot_name = 'lc_renamed' AND active_pid IS NOT NULL",
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'lc_renamed' AND NOT active");
      return slotCount("lc_renamed") == 0;
    })).isTrue();
    awaitBlocked("SlotLost", "lc_renamed");
    assertThat(uid(NAME + "-init")).as("no init recreates the lost slot on its own").isEqualTo(init);
    assertThat(slotCount("lc_renamed")).isZero();
    edit(p -> {
      p.getSpec().snapshot.nonce = "after-loss";
      return p;
    });
    awaitReadyAndEqual("after a new snapshot for the lost slot");
  }

  @Test
  @Order(11)
  void aModeChangeIsRefusedByTheApiServer() {
    Peers.Result r = Peers.kubectl("-n", NS, "patch", "pgsp", NAME, "--type=merge", "-p", "{\"spec\":{\"mode\":\"snapshot\"}}");
    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("mode");
    awaitReadyAndEqual("after the refused mode change");
  }

  @Test
  @Order(12)
  void deletingWithDeleteDropsEverySlotThePipelineCreated() throws InterruptedException {
    writer.stop();
    Peers.kubectlOk("-n", NS, "delete", "pgsp", NAME, "--timeout=120s");
    assertThat(source.text(SOURCE_DB, "SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE database = '" + SOURCE_DB + "'"))
        .as("slots left on the source")
        .isNull();
  }

  private void awaitReadyAndEqual(String when) {
    watched.awaitReadyAndEqual(when, new ResolvedCredentials(SOURCE_USER, sourcePassword, TARGET_USER, PASSWORD_1));
  }

  /** Blocked: Ready False with the reason, the message naming what would be lost, no streaming pod, for a while. */
  private void awaitBlocked(String reason, String named) {
    assertThat(Peers.eventually(Duration.ofSeconds(90), () -> reason.equals(condition(ConditionType.Ready).getReason())))
        .withFailMessage(() -> "not blocked with " + reason + "\n" + story())
        .isTrue();
    assertThat(condition(ConditionType.Ready).getMessage()).contains(named, "nonce");
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> deployment() == null)).withFailMessage(this::story).isTrue();
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < until) {
      assertThat(status(ConditionType.Ready)).as("never Ready across a gap\n%s", story()).isEqualTo("False");
      assertThat(deployment()).as("no stream across a gap").isNull();
    }
  }

  private void awaitRolledPast(long generation) {
    watched.awaitRolledPast(generation);
  }

  private void edit(UnaryOperator<PgstreamPipeline> change) {
    watched.edit(change);
  }

  private long slotCount(String slot) {
    return source.query(SOURCE_DB, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
  }

  private Secret secret(String name, String user, String password) {
    return watched.secret(name, user, password);
  }

  private PgstreamPipeline pipeline() {
    return watched.pipeline();
  }

  private Condition condition(ConditionType type) {
    return watched.condition(type);
  }

  private String status(ConditionType type) {
    return watched.status(type);
  }

  private Deployment deployment() {
    return watched.deployment();
  }

  private String uid(String job) {
    Job j = admin.batch().v1().jobs().inNamespace(NS).withName(job).get();
    return j == null ? null : j.getMetadata().getUid();
  }

  private String story() {
    return watched.story();
  }
}
