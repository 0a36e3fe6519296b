package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.support.Conditions;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestOperators;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The review's H4 and H5 probes, inverted: a change of slot, source or mode under a streaming
 * pipeline, or a slot that disappears, never streams on silently; a new name for the same source
 * server does. The real reconciler on the mock API server, the real source on TestPostgres.
 */
@EnableKubernetesMockClient(crud = true)
class NoSilentGapTest {
  static final String NAME = "orders";
  static final String SLOT = ReplicationSlots.defaultName(NAMESPACE, NAME);
  static final String RENAMED = "pgstream_renamed";
  static final String ROTATED_LOGIN = "pgstream_rotated";
  static final String ROTATED_PASSWORD = "second-Pw2";
  static final String OTHER_TARGET = "app_target_other";

  KubernetesClient client;
  FakeKubelet kubelet;
  Operator operator;

  @BeforeEach
  void start() {
    kubelet = new FakeKubelet(client);
    operator = TestOperators.started(client);
  }

  @AfterEach
  void stop() {
    operator.stop();
    TestDatabases.dropSlots();
    TestDatabases.ready().execute("postgres", "DROP ROLE IF EXISTS " + ROTATED_LOGIN);
  }

  @Test
  void aSlotRenamedAfterTheSnapshotBlocksNamingTheOldSlotUntilANewNonceTakesANewSnapshot() {
    driveToStreaming();
    String initUid = uid("init");
    String snapshotUid = uid("snapshot");
    edit(p -> p.getSpec().replicationSlot = RENAMED);

    await().until(() -> "False/SlotChanged".equals(condition("Ready")));
    assertThat(message("Ready"))
        .contains("slot " + SLOT, RENAMED, "would be missing on the target", "spec.snapshot.nonce", "spec.acknowledgeGap");
    await().until(() -> deployment() == null);
    assertThat(uid("init")).as("no init for the new slot yet").isEqualTo(initUid);
    assertThat(TestDatabases.slotExists(SLOT)).isTrue();
    assertThat(TestDatabases.slotExists(RENAMED)).isFalse();

    edit(p -> p.getSpec().snapshot.nonce = "after-rename");
    await().until(() -> replaced("init", initUid));
    initSucceeded(RENAMED);
    await().until(() -> replaced("snapshot", snapshotUid));
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    awaitStreaming();
    assertThat(pipeline().getStatus().source.slot).isEqualTo(RENAMED);
    assertThat(eventReasons()).contains("SlotChanged", "NewSnapshotAfterGap");
  }

  @Test
  void aSlotRenamedAndAcknowledgedStreamsOnWithoutANewSnapshot() {
    driveToStreaming();
    String initUid = uid("init");
    String snapshotUid = uid("snapshot");
    edit(p -> p.getSpec().replicationSlot = RENAMED);
    await().until(() -> "False/SlotChanged".equals(condition("Ready")));

    edit(p -> p.getSpec().acknowledgeGap = "accept-1");
    await().until(() -> replaced("init", initUid));
    initSucceeded(RENAMED);
    awaitStreaming();
    assertThat(uid("snapshot")).as("no new snapshot").isEqualTo(snapshotUid);
    assertThat(pipeline().getStatus().gapAcknowledged).isEqualTo("accept-1");
    assertThat(eventReasons()).contains("GapAcknowledged");
  }

  @Test
  void anAcknowledgementSetBeforeAnyGapDoesNotAcceptALaterOne() {
    driveToStreaming();
    edit(p -> p.getSpec().acknowledgeGap = "early-1");
    await().until(() -> "early-1".equals(pipeline().getStatus().gapAcknowledged));
    assertThat(eventReasons()).contains("NoGapToAcknowledge");
    assertThat(condition("Ready")).isEqualTo("True/Streaming");

    edit(p -> p.getSpec().replicationSlot = RENAMED);
    await().until(() -> "False/SlotChanged".equals(condition("Ready")));
    await().until(() -> deployment() == null);
    assertThat(eventReasons()).doesNotContain("GapAcknowledged");
  }

  @Test
  void switchingModeToSnapshotBlocksAndRemovesTheStreamingDeployment() {
    driveToStreaming();
    // The mock API server runs no CEL: this is the stored object the CRD's rule would have refused.
    edit(p -> p.getSpec().mode = PipelineMode.SNAPSHOT);

    await().until(() -> "False/ModeChanged".equals(condition("Ready")));
    assertThat(message("Ready")).contains("created with mode snapshot_and_replication", "create a new pipeline");
    await().until(() -> deployment() == null);
    assertThat(pipeline().getStatus().phase).isNotEqualTo(Phase.Completed);
    assertThat(TestDatabases.slotExists(SLOT)).isTrue();
  }

  @Test
  void anotherNameForTheSameSourceServerRollsStreamingWithoutInitOrABlock() {
    driveToStreaming();
    String initUid = uid("init");
    String snapshotUid = uid("snapshot");
    String podHash = podConfigHash();
    edit(p -> p.getSpec().source.host = "localhost");

    await().until(() -> {
      kubelet.keepAvailable(NAMESPACE, NAME + "-stream");
      return deployment() != null && !podConfigHash().equals(podHash)
          && "localhost".equals(pipeline().getStatus().source.host) && "True/Streaming".equals(condition("Ready"));
    });
    assertThat(uid("init")).isEqualTo(initUid);
    assertThat(uid("snapshot")).isEqualTo(snapshotUid);
    assertThat(pipeline().getStatus().source.systemIdentifier).isNotBlank();
    assertThat(eventReasons()).doesNotContain("SourceChanged");
  }

  @Test
  void aSlotDroppedUnderAStreamingPipelineBlocksWithSlotLostAndIsNeverRecreated() {
    driveToStreaming();
    String initUid = uid("init");
    TestDatabases.dropSlots();

    await().until(() -> "False/SlotLost".equals(condition("Ready")));
    assertThat(message("Ready")).contains(SLOT, "disappeared", "spec.snapshot.nonce", "spec.acknowledgeGap");
    await().until(() -> deployment() == null);
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(uid("init")).as("no init that would recreate the slot at the current position").isEqualTo(initUid);
    assertThat(TestDatabases.slotExists(SLOT)).isFalse();
    assertThat(condition("Ready")).isEqualTo("False/SlotLost");
  }

  /** Seen in the lifecycle model (seed 20261201, sequences 78 and 86): the preflight blocked before the gap guard ran. */
  @Test
  void aNewSourceThatFailsThePreflightStillStopsStreaming() {
    driveToStreaming();
    edit(p -> p.getSpec().source.database = "app_source_gone");

    await().until(() -> "False/SourceChanged".equals(condition("Streaming")));
    await().until(() -> deployment() == null);
    assertThat(condition("Ready")).startsWith("False/").isNotEqualTo("False/SourceChanged");
    assertThat(message("Streaming")).contains("checked this change for a gap", "no longer blocked");
  }

  /**
   * Seen in the lifecycle model (sequence 265): status erased while a blocked pipeline streamed, then the
   * source changed: with no records to compare the spec with, the Deployment streamed on. Streaming stops
   * once the records are gone, until the pipeline is no longer blocked and they are taken again.
   */
  @Test
  void aStreamWhoseRecordsStatusLostWhileBlockedStops() {
    driveToStreaming();
    edit(p -> p.getSpec().image = "not an image reference");
    await().until(() -> pipeline().getStatus().phase == Phase.Failed);
    assertThat(deployment()).as("an invalid spec alone stops nothing").isNotNull();
    await().ignoreExceptions().until(() -> {
      PgstreamPipeline p = pipeline();
      p.setStatus(new PgstreamPipelineStatus());
      client.resource(p).updateStatus();
      return true;
    });

    await().atMost(Duration.ofSeconds(30)).until(() -> deployment() == null);
    // The Deployment goes first, the status is written at the end of that reconcile.
    await().until(() -> ("False/" + GapFence.UNRECORDED).equals(condition("Streaming")));
  }

  /**
   * Lifecycle model, seed 20261201, sequence 26: the slot lost, then status erased. The surviving Jobs
   * settle that init and the snapshot ran, and no record says the slot is gone: the Deployment was
   * created again before the slot watch's first reading. Streaming now starts only once a reading lists the slot.
   */
  @Test
  void aSlotLostBeforeStatusIsErasedStartsNoStreamAgain() {
    driveToStreaming();
    TestDatabases.dropSlots();
    await().until(() -> "False/SlotLost".equals(condition("Ready")));
    await().until(() -> deployment() == null);
    List<String> created = deploymentEventsWhile(() -> {
      await().ignoreExceptions().until(() -> {
        PgstreamPipeline p = pipeline();
        p.setStatus(new PgstreamPipelineStatus());
        client.resource(p).updateStatus();
        return true;
      });
      await().atMost(Duration.ofSeconds(30)).until(() -> pipeline().getStatus().init != null && "False/SlotLost".equals(condition("Ready")));
    });
    assertThat(created).as("no streaming Deployment, not even for a moment").isEmpty();
    assertThat(TestDatabases.slotExists(SLOT)).isFalse();
  }

  /** Lifecycle model, seed 20261201, sequence 157: the slot dropped while an invalid spec blocked everything else. */
  @Test
  void aSlotDroppedWhileAnInvalidSpecBlocksStillStopsStreaming() {
    driveToStreaming();
    edit(p -> p.getSpec().image = "not an image reference");
    await().until(() -> pipeline().getStatus().phase == Phase.Failed);
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(deployment()).as("an invalid spec alone stops nothing, also after the slot watch's interval").isNotNull();
    TestDatabases.dropSlots();

    await().atMost(Duration.ofSeconds(30)).until(() -> deployment() == null);
    // The Deployment goes first, the status is written at the end of that reconcile.
    await().until(() -> "False/SlotLost".equals(condition("Streaming")));
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Failed);
  }

  /** Lifecycle model, seed 20261201, sequence 482: mode snapshot's copy still running after status loss and a switch. */
  @Test
  void aSnapshotJobStillCopyingWhenStatusIsLostAndTheModeSwitchesToReplicationKeepsStreamingWaiting() {
    Pipelines.secretsFor(NAME).forEach(s -> client.resource(s).create());
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    pipelines().resource(p).create();
    await().until(() -> job("snapshot") != null);
    kubelet.jobPodRunning(job("snapshot"));
    edit(q -> q.getSpec().mode = PipelineMode.REPLICATION);
    await().until(() -> "False/ModeChanged".equals(condition("Ready")));
    // With status gone, nothing records that the pipeline began in mode snapshot.
    await().ignoreExceptions().until(() -> {
      PgstreamPipeline erased = pipeline();
      erased.setStatus(new PgstreamPipelineStatus());
      client.resource(erased).updateStatus();
      return true;
    });
    await().until(() -> job("init") != null);
    initSucceeded(SLOT);

    await().until(() -> "False/WaitingForCopyJob".equals(condition("Streaming")));
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(deployment()).as("no stream while the snapshot Job writes the target").isNull();
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    awaitStreaming();
  }

  /** An invalid spec blocks before everything else: a target change made with it must not stream on. */
  @Test
  void aNewTargetInAnInvalidSpecStillStopsStreaming() {
    driveToStreaming();
    edit(p -> {
      p.getSpec().target.database = "app_target_other";
      p.getSpec().image = "not an image reference";
    });

    await().until(() -> "False/TargetChanged".equals(condition("Streaming")));
    await().until(() -> deployment() == null);
    assertThat(pipeline().getStatus().phase).isEqualTo(Phase.Failed);
  }

  /**
   * Seen in the lifecycle model (sequences 181, 251, 352, 376, 462): a change made while the snapshot
   * ran made init run again for it (recording its new slot), and was then applied as if nothing had
   * been copied. It waits for the snapshot, and then blocks as a gap.
   */
  @Test
  void aChangeWhileTheSnapshotRunsWaitsForItWithoutRunningInitAgainAndThenBlocks() {
    TestDatabases.ready().database(OTHER_TARGET, TestDatabases.TARGET_USER);
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    Pipelines.secretsFor(NAME).forEach(s -> client.resource(s).create());
    pipelines().resource(p).create();
    await().until(() -> job("init") != null);
    String initUid = uid("init");
    initSucceeded(SLOT);
    await().until(() -> job("snapshot") != null);

    edit(q -> {
      q.getSpec().source.host = "localhost";
      q.getSpec().target.database = OTHER_TARGET;
    });
    await().pollDelay(Duration.ofSeconds(6)).until(() -> true);
    assertThat(uid("init")).as("no init while the snapshot runs").isEqualTo(initUid);
    List<String> created = deploymentEventsWhile(() -> {
      kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
      await().atMost(Duration.ofSeconds(30)).until(() -> "False/TargetChanged".equals(condition("Ready")));
    });
    assertThat(created).as("no streaming Deployment, not even for a moment").isEmpty();
    assertThat(message("Ready")).contains(TestDatabases.TARGET_DB, OTHER_TARGET);
  }

  /**
   * Seen in the lifecycle model (sequence 340): a new nonce stops the running snapshot, and a target
   * edited before the next snapshot Job starts was recorded as unchanged (the change "waited" for a
   * snapshot that no longer ran), while the next Job copied into the new target. The restarted copy
   * decides the change: the records follow the spec, and the next Job's file names the new target.
   */
  @Test
  void aTargetEditedWhileARestartedSnapshotWaitsForItsOldJobGoesIntoTheNewCopy() {
    TestDatabases.ready().database(OTHER_TARGET, TestDatabases.TARGET_USER);
    Pod running = toRunningSnapshotPod();
    String firstSnapshot = uid("snapshot");

    edit(p -> p.getSpec().snapshot.nonce = "n1");
    await().until(() -> job("snapshot") == null);
    edit(p -> p.getSpec().target.database = OTHER_TARGET);
    await().until(() -> pipeline().getStatus().observedGeneration.equals(pipeline().getMetadata().getGeneration()));
    assertThat(job("snapshot")).as("not before the old pod is gone").isNull();
    assertThat(pipeline().getStatus().target.database).as("the restarted copy decides the change").isEqualTo(OTHER_TARGET);

    client.resource(running).withGracePeriod(0).delete();
    await().until(() -> replaced("snapshot", firstSnapshot));
    assertThat(PipelineObjects.jobConfig(client, job("snapshot"))).contains("/" + OTHER_TARGET + "?");
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    awaitStreaming(Duration.ofSeconds(30));
  }

  /**
   * Found in review: an abort set after a slot rename during the snapshot was spent on the rename (the
   * re-init) and never stopped the snapshot, whose copy then counted for the new slot. The abort
   * stops the snapshot first; the rename is decided once the old Job is going.
   */
  @Test
  void anAbortAfterASlotRenameDuringTheSnapshotStopsTheSnapshot() {
    Pod running = toRunningSnapshotPod();
    String firstSnapshot = uid("snapshot");
    edit(p -> p.getSpec().replicationSlot = RENAMED);
    await().until(() -> pipeline().getStatus().observedGeneration.equals(pipeline().getMetadata().getGeneration()));
    assertThat(uid("snapshot")).as("the rename waits for the snapshot").isEqualTo(firstSnapshot);

    edit(p -> p.getMetadata().setAnnotations(Map.of(Annotations.ABORT, "a1")));
    await().atMost(Duration.ofSeconds(30)).until(() -> job("snapshot") == null || !firstSnapshot.equals(uid("snapshot")));
    client.resource(running).withGracePeriod(0).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> pipeline().getStatus().source.slot.equals(RENAMED));
  }

  /**
   * Seen in the lifecycle model (sequence 317): status erased after the snapshot, then the source was
   * moved before the succeeded snapshot Job was taken back into status; the move applied as if
   * nothing had been copied. A succeeded snapshot Job counts as a copy: a new slot is a gap.
   */
  @Test
  void aSlotRenamedAfterStatusWasLostFollowingASnapshotIsAGap() {
    driveToStreaming();
    await().ignoreExceptions().until(() -> {
      PgstreamPipeline p = pipeline();
      p.setStatus(new PgstreamPipelineStatus());
      client.resource(p).updateStatus();
      return true;
    });
    edit(p -> p.getSpec().replicationSlot = RENAMED);
    await().atMost(Duration.ofSeconds(30)).until(() -> "False/SlotChanged".equals(condition("Ready")));
    assertThat(deployment()).isNull();
  }

  /** Seen in the lifecycle model (sequence 76): a gap's way out must not delete a running init Job. */
  @Test
  void aSlotChangedWhileTheReInitRunsWaitsForIt() {
    String reInitUid = reInitAfterRename(p -> p.getSpec().snapshot.nonce = "after-rename");

    edit(p -> p.getSpec().replicationSlot = "pgstream_third");
    await().pollDelay(Duration.ofSeconds(6)).until(() -> true);
    assertThat(uid("init")).as("the running init is not replaced").isEqualTo(reInitUid);
  }

  /**
   * Seen in the lifecycle model (sequence 181): a slot renamed while init ran after a copy waited for
   * it, but once that init Job finished, init was planned anew for the new name, which it recorded and
   * created with no gap decision, and the pipeline streamed from a slot made after the copy.
   */
  @Test
  void aSlotRenamedWhileInitRunsAfterACopyIsAGapOnceThatInitFinishes() {
    String reInitUid = reInitAfterRename(p -> p.getSpec().acknowledgeGap = "accept-1");

    edit(p -> p.getSpec().replicationSlot = "pgstream_third");
    await().until(() -> pipeline().getStatus().observedGeneration.equals(pipeline().getMetadata().getGeneration()));
    initSucceeded(RENAMED);

    await().atMost(Duration.ofSeconds(30)).until(() -> "False/SlotChanged".equals(condition("Ready")));
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(uid("init")).as("no init for the third name").isEqualTo(reInitUid);
    assertThat(pipeline().getStatus().slotsCreated).extracting(r -> r.name).doesNotContain("pgstream_third");
    assertThat(deployment()).isNull();
  }

  /** Init re-creating the slot after an acknowledged gap runs after a copy: a target change then is a gap too. */
  @Test
  void aTargetChangedWhileInitRecreatesAnAcknowledgedSlotBlocks() {
    TestDatabases.ready().database(OTHER_TARGET, TestDatabases.TARGET_USER);
    reInitAfterRename(p -> p.getSpec().acknowledgeGap = "accept-1");

    edit(p -> p.getSpec().target.database = OTHER_TARGET);
    await().until(() -> pipeline().getStatus().observedGeneration.equals(pipeline().getMetadata().getGeneration()));
    initSucceeded(RENAMED);

    await().atMost(Duration.ofSeconds(30)).until(() -> "False/TargetChanged".equals(condition("Ready")));
    assertThat(deployment()).isNull();
  }

  /**
   * Seen in the lifecycle model (sequence 365): status lost while a target change was blocked, and the
   * records were rebuilt from the spec as if the snapshot had copied into the new target.
   */
  @Test
  void aGapBlockedWhenStatusIsLostStaysBlockedUntilTheUserChooses() {
    TestDatabases.ready().database(OTHER_TARGET, TestDatabases.TARGET_USER);
    driveToStreaming();
    edit(p -> p.getSpec().target.database = OTHER_TARGET);
    await().until(() -> "False/TargetChanged".equals(condition("Ready")));

    await().ignoreExceptions().until(() -> {
      PgstreamPipeline p = pipeline();
      p.setStatus(new PgstreamPipelineStatus());
      client.resource(p).updateStatus();
      return true;
    });

    await().atMost(Duration.ofSeconds(30)).until(() -> "False/SnapshotStateUnknown".equals(condition("Ready")));
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(deployment()).isNull();
    assertThat(condition("Ready")).isEqualTo("False/SnapshotStateUnknown");

    edit(p -> p.getSpec().acknowledgeGap = "after-loss");
    awaitStreaming();
    assertThat(eventReasons()).contains("GapAcknowledged");
  }

  /**
   * Seen in the lifecycle model (sequence 142): after a rotation the slot checks failed to log in with
   * the cached password until the credentials refresh (minutes), and a slot lost meanwhile went unseen.
   */
  @Test
  void aSlotLostAfterAPasswordRotationIsSeenBeforeTheCachedCredentialsExpire() {
    streamingAfterTheSourcePasswordRotated();
    client.resource(Pipelines.secret(NAME + "-source", ROTATED_LOGIN, ROTATED_PASSWORD)).update();
    TestDatabases.dropSlots();

    await().atMost(Duration.ofSeconds(30)).until(() -> "False/SlotLost".equals(condition("Ready")));
    await().until(() -> deployment() == null);
  }

  /** A login refused by the preflight is read again from its Secret at the next check, not after the cache expires. */
  @Test
  void aPasswordRotatedAfterThePreflightRefusedTheLoginIsPickedUpAtTheNextCheck() {
    streamingAfterTheSourcePasswordRotated();
    edit(p -> {
      p.getSpec().target.batch = new BatchSpec();
      p.getSpec().target.batch.size = 77;
    });
    await().until(() -> "False/SourceAuthenticationFailed".equals(condition("Ready")));

    client.resource(Pipelines.secret(NAME + "-source", ROTATED_LOGIN, ROTATED_PASSWORD)).update();
    awaitStreaming(Duration.ofSeconds(40));
  }

  /** Streaming as a login of its own, whose password then changes on the source but not (yet) in the Secret. */
  private void streamingAfterTheSourcePasswordRotated() {
    TestPostgres pg = TestDatabases.ready();
    pg.login(ROTATED_LOGIN, "first-Pw1", "SUPERUSER");
    driveToStreaming(List.of(
        Pipelines.secret(NAME + "-source", ROTATED_LOGIN, "first-Pw1"),
        Pipelines.secret(NAME + "-target", TestDatabases.TARGET_USER, Pipelines.TARGET_PASSWORD)));
    pg.execute("postgres", "ALTER ROLE " + ROTATED_LOGIN + " PASSWORD '" + ROTATED_PASSWORD + "'");
  }

  /** Init done and the snapshot Job's pod running (as the Job controller starts it): that pod. */
  private Pod toRunningSnapshotPod() {
    Pipelines.secretsFor(NAME).forEach(s -> client.resource(s).create());
    pipelines().resource(Pipelines.onTestDatabase(NAME)).create();
    await().until(() -> job("init") != null);
    initSucceeded(SLOT);
    await().until(() -> job("snapshot") != null);
    return kubelet.jobPodRunning(job("snapshot"));
  }

  /** The Deployment events a watch saw while {@code during} ran. */
  private List<String> deploymentEventsWhile(Runnable during) {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Watch watch = client.apps().deployments().inNamespace(NAMESPACE).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Deployment d) {
        seen.add(action + " " + d.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      during.run();
    }
    return seen;
  }

  private void driveToStreaming() {
    driveToStreaming(Pipelines.secretsFor(NAME));
  }

  private void driveToStreaming(List<Secret> secrets) {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    secrets.forEach(s -> client.resource(s).create());
    pipelines().resource(p).create();
    await().until(() -> job("init") != null);
    initSucceeded(SLOT);
    await().until(() -> job("snapshot") != null);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-snapshot");
    awaitStreaming();
  }

  private void awaitStreaming() {
    awaitStreaming(Duration.ofSeconds(10));
  }

  private void awaitStreaming(Duration atMost) {
    await().atMost(atMost).until(() -> {
      if (deployment() != null) {
        kubelet.keepAvailable(NAMESPACE, NAME + "-stream");
      }
      return "True/Streaming".equals(condition("Ready"));
    });
  }

  /** Streaming, then the slot renamed (a gap) and {@code wayOut} taken: the uid of the init Job re-creating the slot. */
  private String reInitAfterRename(Consumer<PgstreamPipeline> wayOut) {
    driveToStreaming();
    String initUid = uid("init");
    edit(p -> p.getSpec().replicationSlot = RENAMED);
    await().until(() -> "False/SlotChanged".equals(condition("Ready")));
    edit(wayOut);
    await().until(() -> replaced("init", initUid));
    return uid("init");
  }

  /** What a real `pgstream init` Job does: create the slot, then succeed. */
  private void initSucceeded(String slot) {
    TestDatabases.createSlot(slot);
    kubelet.jobSucceeded(NAMESPACE, NAME + "-init");
  }

  private void edit(Consumer<PgstreamPipeline> change) {
    await().ignoreExceptions().until(() -> {
      PgstreamPipeline p = pipeline();
      change.accept(p);
      pipelines().resource(p).update();
      return true;
    });
  }

  private NonNamespaceOperation<PgstreamPipeline, KubernetesResourceList<PgstreamPipeline>, Resource<PgstreamPipeline>>
      pipelines() {
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

  /** A new Job of the step stands where {@code oldUid} was. */
  private boolean replaced(String step, String oldUid) {
    String now = uid(step);
    return now != null && !now.equals(oldUid);
  }

  private Deployment deployment() {
    return client.apps().deployments().inNamespace(NAMESPACE).withName(NAME + "-stream").get();
  }

  private String podConfigHash() {
    return deployment().getSpec().getTemplate().getMetadata().getAnnotations().get(Children.CONFIG_HASH_ANNOTATION);
  }

  private String condition(String type) {
    return Conditions.of(pipeline(), type);
  }

  private String message(String type) {
    return Conditions.message(pipeline(), type);
  }

  private java.util.List<String> eventReasons() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().map(Event::getReason).toList();
  }
}
