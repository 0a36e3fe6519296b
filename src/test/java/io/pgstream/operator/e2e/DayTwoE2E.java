package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The day-2 verbs with the real operator, the real pgstream (pods played by {@link PodPlayer}) and two
 * real PostgreSQL servers, while a writer inserts, updates and deletes on the source throughout: a
 * suspension the writer keeps writing through, resumed without losing a row, and a restart through the
 * pgstream.io/restart annotation. Each ends with the target equal to the source, table by table (row
 * counts and checksums). Tests run in order on one pipeline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DayTwoE2E {
  /**
   * A namespace of each run's own: the bare API server has no garbage collector, so the Jobs of a pipeline
   * an earlier run on the same peers deleted are still there, under the same names.
   */
  static final String NS = "daytwo-" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
  static final String NAME = "daytwo";
  static final String SOURCE_DB = "d2_source";
  static final String TARGET_DB = "d2_target";
  static final String SOURCE_USER = "d2_src";
  static final String TARGET_USER = "d2_tgt";
  static final String PASSWORD = "d2-Pw:1/a";
  static final ResolvedCredentials LOGINS = new ResolvedCredentials(SOURCE_USER, PASSWORD, TARGET_USER, PASSWORD);

  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  WatchedPipeline watched;

  @BeforeAll
  void start() throws Exception {
    WatchedPipeline.itemsDatabases(source, SOURCE_DB, target, TARGET_DB, LOGINS);
    watched = WatchedPipeline.start(NS, NAME, "operator-daytwo", source, SOURCE_DB);
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
    watched.create(source, SOURCE_DB, target, TARGET_DB, LOGINS);
    watched.awaitReadyAndEqual("after the first snapshot and stream", LOGINS);
  }

  /**
   * Suspended, nothing consumes the slot: the target stays as it was while the writer goes on, with a bulk
   * insert, update and delete on top, and status reports the WAL the slot keeps for it. Resumed, the stream
   * continues from the slot and the target catches up with every change made meanwhile.
   */
  @Test
  @Order(2)
  void aSuspensionTheWriterWritesThroughResumesWithoutLosingARow() {
    Peers.kubectlOk("-n", NS, "patch", "pgsp", NAME, "--type", "merge", "-p", "{\"spec\":{\"state\":\"Suspended\"}}");
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> watched.deployment() == null && watched.pipeline().getStatus().phase == Phase.Suspended))
        .withFailMessage(() -> "not suspended\n" + watched.story())
        .isTrue();
    // The pod goes after its Deployment, and pgstream flushes what it holds as it stops: then nothing writes.
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> !watched.pods().streaming(NAME + "-stream") && slotCount("NOT active") == 1))
        .withFailMessage(() -> "the slot is still consumed\n" + watched.story())
        .isTrue();
    long targetRows = targetRows();
    long written = watched.writer().written();
    source.execute(
        SOURCE_DB,
        "INSERT INTO public.items (v) SELECT repeat('suspended-', 30) || g FROM generate_series(1, 20000) g",
        "UPDATE public.items SET n = n + 100 WHERE id % 5 = 0",
        "DELETE FROM public.items WHERE id % 13 = 0");

    // The slot keeps the WAL of every change since the stream stopped, and status says how much.
    assertThat(Peers.eventually(Duration.ofSeconds(60), () -> megabytes(watched.pipeline().getStatus().slot.retainedWal)))
        .withFailMessage(() -> "no retained WAL reported while suspended\n" + watched.story())
        .isTrue();
    String retained = watched.pipeline().getStatus().slot.retainedWal;
    assertThat(watched.condition(ConditionType.Ready).getMessage())
        .contains("Suspended", ReplicationSlots.slotFor(watched.pipeline()), "of WAL (status.slot)");
    assertThat(slotCount("NOT active")).as("the slot stays, unconsumed").isOne();
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> watched.writer().written() > written + 100)).isTrue();
    assertThat(targetRows()).as("nothing writes the target while suspended (%s retained)", retained).isEqualTo(targetRows);

    Peers.kubectlOk("-n", NS, "patch", "pgsp", NAME, "--type", "merge", "-p", "{\"spec\":{\"state\":\"Running\"}}");
    watched.awaitReadyAndEqual("after resuming a suspension the writer wrote through", LOGINS);
    assertThat(targetRows()).as("the changes made while suspended arrived").isGreaterThan(targetRows + 10000);
  }

  /** The README's one-liner; the Deployment rolls once (Recreate) and the stream resumes from the slot. */
  @Test
  @Order(3)
  void aRestartAnnotationRollsTheStreamOnceAndLosesNothing() {
    long generation = watched.deployment().getMetadata().getGeneration();
    long written = watched.writer().written();
    Peers.kubectlOk("-n", NS, "annotate", "--overwrite", "pgsp", NAME, Annotations.RESTART + "=restart-1");
    watched.awaitRolledPast(generation);
    assertThat(watched.deployment().getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry(Annotations.RESTART, "restart-1");
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> "restart-1".equals(watched.pipeline().getStatus().restartHandled))).isTrue();
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> watched.writer().written() > written + 100)).isTrue();
    watched.awaitReadyAndEqual("after a restart through " + Annotations.RESTART, LOGINS);
    assertThat(watched.deployment().getMetadata().getGeneration()).as("rolled once\n%s", watched.story()).isEqualTo(generation + 1);
    assertThat(watched.deployment().getSpec().getStrategy().getType())
        .as("as the API server holds it: the old pod is gone before the new one starts, one consumer of the slot")
        .isEqualTo("Recreate");

    // Removed, with an edit the pods do not carry so that a reconcile is seen to have looked: no second roll.
    Peers.kubectlOk("-n", NS, "annotate", "pgsp", NAME, Annotations.RESTART + "-");
    watched.edit(p -> {
      p.getSpec().maxRetainedWalBytes = 1L << 40;
      return p;
    });
    assertThat(Peers.eventually(Duration.ofSeconds(60),
            () -> watched.pipeline().getStatus().observedGeneration.equals(watched.pipeline().getMetadata().getGeneration())))
        .withFailMessage(watched::story)
        .isTrue();
    assertThat(watched.deployment().getMetadata().getGeneration()).as("removing the annotation rolls nothing").isEqualTo(generation + 1);
  }

  @Test
  @Order(4)
  void deletingDropsTheSlot() throws InterruptedException {
    watched.writer().stop();
    Peers.kubectlOk("-n", NS, "delete", "pgsp", NAME, "--timeout=120s");
    assertThat(source.text(SOURCE_DB, "SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE database = '" + SOURCE_DB + "'"))
        .as("slots left on the source")
        .isNull();
  }

  /** How many slots of the pipeline's name the source holds that meet {@code condition}. */
  private long slotCount(String condition) {
    return source.query(SOURCE_DB, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
        + watched.pipeline().getStatus().replicationSlot + "' AND " + condition);
  }

  private long targetRows() {
    return target.query(TARGET_DB, "SELECT count(*) FROM public.items");
  }

  /** A size of at least one MiB as status writes it ("12 MiB"; "<1 MiB" below that). */
  private static boolean megabytes(String size) {
    return size != null && !size.startsWith("<") && (size.endsWith(" MiB") || size.endsWith(" GiB"));
  }
}
