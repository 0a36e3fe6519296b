package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.SlotStatus;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.metrics.SlotMetrics;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.slots.SlotMonitor;
import io.pgstream.operator.slots.SlotRow;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TcpProxy;
import io.pgstream.operator.support.TestPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The slot watch against a real server: shared queries, hung and refusing sources, metrics. */
class SlotWatchTest {
  static final String PW = "Sl0t-w@tch:pw";
  static final Duration INTERVAL = Duration.ofMillis(300);
  static final AtomicInteger SEQ = new AtomicInteger();

  final TestPostgres pg = TestPostgres.rds();
  final String id = "sw" + SEQ.incrementAndGet();
  final String db = id + "_src";
  final String user = id + "_reader";
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Map<Integer, AtomicInteger> queriesByPort = new ConcurrentHashMap<>();
  final List<ResourceID> events = new CopyOnWriteArrayList<>();
  final Map<ResourceID, PgstreamPipeline> cluster = new ConcurrentHashMap<>();
  final List<AutoCloseable> closing = new ArrayList<>();

  /** Counts the queries per server port: what the source sees as sessions. */
  final SlotMonitor counting =
      new SlotMonitor(DatabaseConnector.defaults()) {
        @Override
        public List<SlotRow> readAll(ConnectionSpec source, String u, String password) throws SQLException {
          queriesByPort.computeIfAbsent(source.effectivePort(), k -> new AtomicInteger()).incrementAndGet();
          return super.readAll(source, u, password);
        }
      };

  final SlotWatch watch =
      new SlotWatch(counting, new SlotMetrics(registry), new EventRecorder(null, Clock.systemUTC()), INTERVAL, Clock.systemUTC());

  @AfterEach
  void stop() throws Exception {
    watch.stop();
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private void database() {
    pg.login(user, PW, "");
    pg.database(db, "postgres");
    watch.start(events::add, Set::of, rid -> Optional.ofNullable(cluster.get(rid)));
  }

  private PgstreamPipeline pipeline(String name, int port) {
    PgstreamPipeline p = Pipelines.onServers(id + "-" + name, pg, db, pg, db);
    p.getSpec().source.port = port;
    p.getMetadata().setUid(UUID.randomUUID().toString());
    p.setStatus(new PgstreamPipelineStatus());
    p.getStatus().phase = Phase.Streaming;
    cluster.put(ResourceID.fromResource(p), p);
    return p;
  }

  private String slot(PgstreamPipeline p, String name) {
    p.getSpec().replicationSlot = id + "_" + name;
    pg.execute(db, "SELECT pg_create_logical_replication_slot('" + p.getSpec().replicationSlot + "', 'test_decoding')");
    closing.add(() -> pg.execute(db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + p.getSpec().replicationSlot + "'"));
    return p.getSpec().replicationSlot;
  }

  /** A watch on the test's database whose interval (10 min) passes in no test: only registrations ask for checks. */
  private SlotWatch slowWatch() {
    database();
    SlotWatch slow = new SlotWatch(counting, new SlotMetrics(registry), new EventRecorder(null, Clock.systemUTC()), Duration.ofMinutes(10), Clock.systemUTC());
    slow.start(events::add, Set::of, rid -> Optional.ofNullable(cluster.get(rid)));
    closing.add(slow::stop);
    return slow;
  }

  /** A local port nothing listens on: connections are refused at once. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private ResolvedCredentials creds(String password) {
    return new ResolvedCredentials(user, password, user, password);
  }

  private int queries(int port) {
    return queriesByPort.getOrDefault(port, new AtomicInteger()).get();
  }

  @Test
  void pipelinesOnOneServerShareOneQueryPerInterval() throws Exception {
    database();
    List<PgstreamPipeline> pipelines = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      PgstreamPipeline p = pipeline("p" + i, pg.port());
      slot(p, "s" + i);
      pipelines.add(p);
    }
    pipelines.forEach(p -> watch.observe(p, null, creds(PW)));
    await().atMost(Duration.ofSeconds(10)).until(() -> pipelines.stream().allMatch(p -> watch.observe(p, null, creds(PW)) != null));
    for (PgstreamPipeline p : pipelines) {
      SlotStatus s = watch.observe(p, null, creds(PW));
      assertThat(s.state).isEqualTo("Healthy");
      assertThat(s.active).isFalse();
    }
    int before = queries(pg.port());
    Thread.sleep(INTERVAL.multipliedBy(10).toMillis());
    int rounds = queries(pg.port()) - before;
    assertThat(rounds).as("one query per interval for all 8 pipelines").isBetween(5, 12);
    assertThat(events).as("each pipeline was told once about its first reading, not every interval").hasSizeLessThanOrEqualTo(16);
    assertThat(registry.find("pgstream_replication_slot_last_check_timestamp_seconds").gauges()).hasSize(8);
  }

  /**
   * A resync (or a burst of creates) registers the pipelines of one server a reconcile apart, slower than one check:
   * they share their first checks instead of each opening a session (make bench-slots counted 136 checks while 300
   * pipelines were added), and each one gets its reading without waiting for the next interval.
   */
  @Test
  void registrationsInABurstShareTheirFirstChecks() throws Exception {
    SlotWatch slow = slowWatch();
    List<PgstreamPipeline> pipelines = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      PgstreamPipeline p = pipeline("b" + i, pg.port());
      slot(p, "b" + i);
      pipelines.add(p);
    }
    // The first check loads the driver and logs in cold; the burst's checks take milliseconds.
    PgstreamPipeline first = pipelines.remove(0);
    slow.observe(first, null, creds(PW));
    await().atMost(Duration.ofSeconds(10)).until(() -> slow.observe(first, null, creds(PW)) != null);
    int before = queries(pg.port());
    for (PgstreamPipeline p : pipelines) {
      slow.observe(p, null, creds(PW));
      Thread.sleep(300);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pipelines.stream().allMatch(p -> slow.observe(p, null, creds(PW)) != null));
    assertThat(queries(pg.port()) - before).as("checks for 7 registrations 300 ms apart, with no interval passing").isBetween(1, 3);
  }

  @Test
  void aHungSourceHoldsNoReconcileAndNotTheOtherServersChecks() throws Exception {
    database();
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          accepted.add(silent.accept());
        }
      } catch (IOException e) {
        // closed
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    closing.add(silent);
    PgstreamPipeline hung = pipeline("hung", silent.getLocalPort());
    hung.getSpec().replicationSlot = id + "_hung";
    PgstreamPipeline healthy = pipeline("healthy", pg.port());
    slot(healthy, "ok");

    long start = System.nanoTime();
    watch.observe(hung, null, creds(PW));
    watch.observe(healthy, null, creds(PW));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("registering never touches a database").isLessThan(Duration.ofMillis(500));
    await().atMost(Duration.ofSeconds(3)).until(() -> !accepted.isEmpty());

    // While the hung source holds its check (up to the connector's 10 s login timeout), the other server is measured every interval.
    await().atMost(Duration.ofSeconds(3)).until(() -> watch.observe(healthy, null, creds(PW)) != null);
    int measured = queries(pg.port());
    Thread.sleep(INTERVAL.multipliedBy(5).toMillis());
    assertThat(queries(pg.port()) - measured).isGreaterThanOrEqualTo(3);
    assertThat(accepted).as("one check at a time per server, not one per interval").hasSize(1);
    for (int i = 0; i < 20; i++) {
      long t = System.nanoTime();
      watch.observe(hung, null, creds(PW));
      assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofMillis(100));
    }
  }

  @Test
  void aServerThatKeepsFailingIsBackedOff() throws Exception {
    database();
    int closed = closedPort();
    PgstreamPipeline refused = pipeline("refused", closed);
    refused.getSpec().replicationSlot = id + "_nowhere";
    watch.observe(refused, null, creds(PW));
    Thread.sleep(INTERVAL.multipliedBy(16).toMillis());
    assertThat(queries(closed)).as("3 failures, then backoff doubling from one interval: not 16 attempts").isBetween(3, 8);
    assertThat(watch.observe(refused, null, creds(PW))).as("never Missing on a failed check").isNull();
    assertThat(watch.problem(refused, null).reason()).isEqualTo("SlotCheckFailed");
    assertThat(watch.problem(refused, null).message()).contains("Check that the source is reachable");
  }

  @Test
  void threeRefusedLoginsTurnThePipelineDegradedNamingTheCredentials() {
    database();
    PgstreamPipeline p = pipeline("rotated", pg.port());
    String slot = slot(p, "rot");
    SlotStatus healthy = new SlotStatus();
    healthy.state = "Healthy";
    assertThat(watch.observe(p, healthy, creds("wrong-" + PW))).isSameAs(healthy);
    assertThat(watch.problem(p, healthy)).as("no verdict before any check").isNull();
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.problem(p, healthy) != null);
    SlotWatch.Problem problem = watch.problem(p, healthy);
    assertThat(problem.reason()).isEqualTo("SlotCheckFailed");
    assertThat(problem.blocking()).isFalse();
    assertThat(problem.message())
        .contains(slot, "authentication failed", "28P01", "Fix the credentials", "3 or more times in a row")
        .doesNotContain(PW);
    assertThat(watch.observe(p, healthy, creds("wrong-" + PW))).as("the last good reading stays; never Missing").isSameAs(healthy);
    assertThat(events).contains(ResourceID.fromResource(p));
    assertThat(registry.find("pgstream_replication_slot_check_failures").counter().count()).isGreaterThanOrEqualTo(3);

    // The Secret is fixed: the next checks log in, and the pipeline is measured again.
    watch.observe(p, healthy, creds(PW));
    await().atMost(Duration.ofSeconds(15)).until(() -> watch.problem(p, healthy) == null);
  }

  /**
   * The first failed checks of a hung server (make bench-slots: 500 pipelines on it) reconcile none of its pipelines,
   * whose status changes only at the third; a refused login is acted on at once (the Secrets are read again).
   */
  @Test
  void aFailedCheckBeforeTheThirdReconcilesOnlyForARefusedLogin() throws Exception {
    SlotWatch slow = slowWatch();
    int closed = closedPort();
    PgstreamPipeline unreachable = pipeline("unreachable", closed);
    unreachable.getSpec().replicationSlot = id + "_unreachable";
    PgstreamPipeline rotated = pipeline("rotated2", pg.port());
    slot(rotated, "rot2");
    slow.observe(unreachable, null, creds(PW));
    slow.observe(rotated, null, creds("wrong-" + PW));
    await().atMost(Duration.ofSeconds(15)).until(() -> events.contains(ResourceID.fromResource(rotated)));
    assertThat(slow.loginRefused(rotated)).isTrue();
    await().atMost(Duration.ofSeconds(15)).until(() -> registry.find("pgstream_replication_slot_check_failures").counters().size() == 2);
    Thread.sleep(300);
    assertThat(queries(closed)).as("one check in the 10 min interval").isEqualTo(1);
    assertThat(events).as("one failed check of an unreachable server").doesNotContain(ResourceID.fromResource(unreachable));
    assertThat(slow.problem(unreachable, null)).isNull();
  }

  /**
   * A reconcile queued by a reading that changed the slot's status may run only after the next check failed: it still
   * writes that status. The recovery then shows what the failure did (no change), and wakes no reconcile to write it.
   */
  @Test
  void aCheckThatFailsBeforeTheThirdStillShowsTheLastGoodReading() throws Exception {
    SlotWatch slow = slowWatch();
    TcpProxy proxy = new TcpProxy(pg.port());
    closing.add(proxy);
    proxy.up();
    PgstreamPipeline p = pipeline("blip", proxy.port());
    slot(p, "blip");
    await().atMost(Duration.ofSeconds(15)).until(() -> slow.observe(p, null, creds(PW)) != null);
    String good = slow.observe(p, null, creds(PW)).state;

    proxy.down();
    // A second pipeline on the server asks for its first check, which fails (the interval is 10 min).
    slow.observe(pipeline("blip2", proxy.port()), null, creds(PW));
    await().atMost(Duration.ofSeconds(15)).until(() -> registry.find("pgstream_replication_slot_check_failures").counters().size() == 2);

    assertThat(slow.observe(p, null, creds(PW))).as("the last good reading, not the status the reconcile had").isNotNull()
        .extracting(s -> s.state).isEqualTo(good);
    assertThat(slow.problem(p, slow.observe(p, null, creds(PW)))).as("one failed check is no problem yet").isNull();
  }

  @Test
  void aMissingSlotIsReportedOnlyFromACheckThatSucceeded() {
    database();
    PgstreamPipeline p = pipeline("gone", pg.port());
    p.getSpec().replicationSlot = id + "_never_created";
    await().atMost(Duration.ofSeconds(5)).until(() -> watch.observe(p, null, creds(PW)) != null);
    assertThat(watch.observe(p, null, creds(PW)).state).isEqualTo("Missing");
    assertThat(watch.problem(p, watch.observe(p, null, creds(PW))).blocking()).isTrue();
  }

  @Test
  void theGaugesFollowARenamedSlotAndAReCreatedPipelineStartsAfresh() {
    database();
    PgstreamPipeline p = pipeline("renamed", pg.port());
    String first = slot(p, "first");
    await().atMost(Duration.ofSeconds(5)).until(() -> watch.observe(p, null, creds(PW)) != null);
    assertThat(registry.find("pgstream_replication_slot_lag_bytes").tag("slot", first).gauge()).isNotNull();

    String second = slot(p, "second");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> watch.observe(p, null, creds(PW)) != null && registry.find("pgstream_replication_slot_lag_bytes").tag("slot", second).gauge() != null);
    assertThat(registry.find("pgstream_replication_slot_lag_bytes").tag("slot", first).gauge()).as("the old series is gone").isNull();

    watch.forget(p);
    assertThat(registry.find("pgstream_replication_slot_lag_bytes").gauges()).isEmpty();
  }
}
