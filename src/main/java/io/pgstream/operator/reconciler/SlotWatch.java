package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SlotStatus;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.metrics.SlotMetrics;
import io.pgstream.operator.slots.ByteSizes;
import io.pgstream.operator.slots.CircuitBreaker;
import io.pgstream.operator.slots.SlotHealth;
import io.pgstream.operator.slots.SlotMonitor;
import io.pgstream.operator.slots.SlotRow;
import io.pgstream.operator.slots.SlotServer;
import io.pgstream.operator.status.EventRecorder;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the replication slots of streaming pipelines off the reconcile threads: a few worker
 * threads run one query per source server group (host, port, database, login) per interval, whose
 * answer serves every pipeline on it; a circuit breaker per server backs off one that keeps failing
 * or hangs. A pipeline is reconciled (through {@link SlotEventSource}) only when what its status
 * would show changed. A failed check never reports a slot Missing: the last good reading stays, and
 * after {@link #FAILURES_BEFORE_DEGRADED} failures in a row the pipeline is Degraded (SlotCheckFailed).
 * Unclaimed slots are counted, never dropped, and never named in the pipeline's status or Events.
 */
final class SlotWatch {
  private static final Logger LOG = LoggerFactory.getLogger(SlotWatch.class);
  static final int FAILURES_BEFORE_DEGRADED = 3;
  /** Concurrent checks: a hung server holds at most one, and only until the connector's timeouts. */
  static final int WORKERS = 4;
  /**
   * The least time between two checks of a server that registrations ask for: the registrations of a resync or of a
   * burst of creates come a few milliseconds apart, and share one check per spacing instead of opening one each.
   */
  static final Duration FIRST_READING_SPACING = Duration.ofSeconds(5);

  private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

  /** What the watch needs to measure one pipeline's slot. */
  private record Watched(
      ResourceID id, String namespace, String name, String slot, SlotServer server, ConnectionSpec source, String user, String password,
      long maxRetained, Instant observedAt) {
    Watched renewed(Instant at) {
      return new Watched(id, namespace, name, slot, server, source, user, password, maxRetained, at);
    }
  }

  /**
   * The latest answer for one pipeline's slot.
   *
   * @param health the last successful measurement, or null before the first
   * @param failures checks in a row that failed since it
   * @param failure why the last one failed (redacted), or null
   */
  record Reading(String slot, SlotHealth health, Instant checkedAt, int failures, String failure) {}

  /** A server group's breaker, whether a check of it runs, and when the last one started (null before the first). */
  private record Server(CircuitBreaker breaker, AtomicBoolean polling, AtomicReference<Instant> lastCheck) {}

  private final SlotMonitor monitor;
  private final SlotMetrics metrics;
  private final EventRecorder events;
  private final Duration interval;
  private final Clock clock;
  private final Map<String, Watched> watched = new ConcurrentHashMap<>();
  private final Map<String, Reading> readings = new ConcurrentHashMap<>();
  private final Map<SlotServer, Server> servers = new ConcurrentHashMap<>();
  /** Servers with a first-reading check scheduled. */
  private final Set<SlotServer> firstReadings = ConcurrentHashMap.newKeySet();
  private volatile Consumer<ResourceID> changed = id -> {};
  private volatile Supplier<Set<String>> claimed = Set::of;
  private volatile Function<ResourceID, Optional<PgstreamPipeline>> lookup = id -> Optional.empty();
  private ScheduledExecutorService ticker;
  private ExecutorService workers;

  SlotWatch(SlotMonitor monitor, SlotMetrics metrics, EventRecorder events, Duration interval, Clock clock) {
    this.monitor = monitor;
    this.metrics = metrics;
    this.events = events;
    this.interval = interval;
    this.clock = clock;
  }

  Duration interval() {
    return interval;
  }

  /**
   * Starts measuring.
   *
   * @param changed told which pipeline to reconcile when its reading changed
   * @param claimed every slot some PgstreamPipeline uses or recorded
   * @param lookup the pipeline as the informer has it now, to stop watching one that no longer streams
   */
  synchronized void start(
      Consumer<ResourceID> changed, Supplier<Set<String>> claimed, Function<ResourceID, Optional<PgstreamPipeline>> lookup) {
    if (ticker != null) {
      return;
    }
    this.changed = changed;
    this.claimed = claimed;
    this.lookup = lookup;
    AtomicInteger n = new AtomicInteger();
    workers =
        Executors.newFixedThreadPool(
            WORKERS,
            r -> {
              Thread t = new Thread(r, "slot-watch-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "slot-watch-tick");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  synchronized void stop() {
    if (ticker != null) {
      ticker.shutdownNow();
      workers.shutdownNow();
      firstReadings.clear();
      ticker = null;
      workers = null;
    }
  }

  /**
   * Registers (or updates) the pipeline's slot for measuring, without touching the database, and
   * returns the status of its latest successful reading; {@code previous} until there is one, and
   * while checks fail.
   */
  SlotStatus observe(PgstreamPipeline p, SlotStatus previous, ResolvedCredentials creds) {
    String uid = uid(p);
    String slot = ReplicationSlots.slotFor(p);
    ConnectionSpec source = p.getSpec().source;
    SlotServer server = SlotServer.of(source, creds.sourceUser(), creds.sourcePassword());
    Watched now =
        new Watched(
            ResourceID.fromResource(p), p.getMetadata().getNamespace(), p.getMetadata().getName(), slot, server, source, creds.sourceUser(),
            creds.sourcePassword(), p.getSpec().effectiveMaxRetainedWalBytes(), Instant.now(clock));
    Watched before = watched.put(uid, now);
    if (before == null || !before.slot().equals(slot) || !before.server().equals(server)) {
      firstReadingSoon(server);
    }
    Reading r = readings.get(uid);
    if (r == null || !r.slot().equals(slot) || !showsHealth(r)) {
      return previous;
    }
    SlotStatus next = status(r.health(), now.maxRetained());
    List<String> unclaimed = r.health().unclaimed();
    int count = previous == null || previous.unclaimedSlotCount == null ? 0 : previous.unclaimedSlotCount;
    if (unclaimed.size() > count) {
      // The names belong to other pipelines, maybe of other namespaces: they go to the operator's log only.
      LOG.warn("{}: inactive replication slots on {}/{} that no PgstreamPipeline uses: {}", p.namespacedName(), source.host, source.database, unclaimed);
      events.warning(
          p,
          "UnclaimedSlots",
          ("%d inactive pgstream-like replication slot(s) on %s/%s are used by no PgstreamPipeline and keep WAL on the"
                  + " source. The operator never drops them; its log names them for the database's administrators.")
              .formatted(unclaimed.size(), source.host, source.database));
    }
    return next;
  }

  /**
   * The pipeline is blocked and its Deployment streams on: its registration (the slot that Deployment
   * streams from, not one an edit names since) is kept, and the status of its latest successful
   * reading returned; {@code previous} without one, or when the pipeline was not registered.
   */
  SlotStatus keep(PgstreamPipeline p, SlotStatus previous) {
    Watched w = watched.computeIfPresent(uid(p), (uid, before) -> before.renewed(Instant.now(clock)));
    Reading r = readings.get(uid(p));
    if (w == null || r == null || !r.slot().equals(w.slot()) || !showsHealth(r)) {
      return previous;
    }
    return status(r.health(), w.maxRetained());
  }

  void forget(PgstreamPipeline p) {
    unwatch(uid(p));
  }

  /** Every interval: drop pipelines that no longer stream, then one check per server whose breaker allows it. */
  private void tick() {
    try {
      for (Map.Entry<String, Watched> e : watched.entrySet()) {
        if (!streaming(e.getValue())) {
          unwatch(e.getKey());
        }
      }
      Set<SlotServer> inUse = watched.values().stream().map(Watched::server).collect(Collectors.toSet());
      // A rotated password or a moved source leaves its old group (and breaker) behind.
      servers.keySet().retainAll(inUse);
      Set<String> claimedNow = claimed.get();
      inUse.forEach(s -> pollSoon(s, claimedNow));
    } catch (RuntimeException e) {
      LOG.warn("slot watch round failed: {}", e.toString());
    }
  }

  /**
   * Deleted, or observed no more for an interval while its status shows another phase than Streaming
   * or Suspended (a snapshot pauses streaming; a block removes the Deployment). A fresh registration
   * stays until its status is written.
   */
  private boolean streaming(Watched w) {
    Optional<PgstreamPipeline> current = lookup.apply(w.id());
    if (current.isEmpty()) {
      return false;
    }
    boolean recent = Duration.between(w.observedAt(), Instant.now(clock)).compareTo(interval) < 0;
    Phase phase = current.get().getStatus() == null ? null : current.get().getStatus().phase;
    return recent || phase == Phase.Streaming || phase == Phase.Suspended;
  }

  private void unwatch(String uid) {
    watched.remove(uid);
    readings.remove(uid);
    metrics.forget(uid);
  }

  /**
   * A check of the server for a new registration: at once when none started within {@link #FIRST_READING_SPACING}
   * (or the interval, if shorter), else when that much has passed since the last one, shared by every registration
   * until then. A check running meanwhile may have listed its members before the registration: then it waits again.
   */
  private void firstReadingSoon(SlotServer key) {
    Server server = servers.get(key);
    Instant last = server == null ? null : server.lastCheck().get();
    scheduleFirstReading(key, last == null ? 0 : Math.max(0, spacing() - Duration.between(last, Instant.now(clock)).toMillis()));
  }

  private void scheduleFirstReading(SlotServer key, long delayMillis) {
    ScheduledExecutorService scheduler = ticker;
    if (scheduler == null || !firstReadings.add(key)) {
      return;
    }
    try {
      scheduler.schedule(() -> firstReading(key), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // Stopped meanwhile.
      firstReadings.remove(key);
    }
  }

  private void firstReading(SlotServer key) {
    firstReadings.remove(key);
    Server server = servers.get(key);
    if (server != null && server.polling().get()) {
      scheduleFirstReading(key, spacing());
      return;
    }
    pollSoon(key, claimed.get());
  }

  private long spacing() {
    return Math.min(FIRST_READING_SPACING.toMillis(), interval.toMillis());
  }

  private void pollSoon(SlotServer key, Set<String> claimedNow) {
    ExecutorService pool = workers;
    if (pool == null) {
      return;
    }
    Server server = servers.computeIfAbsent(key, k -> new Server(new CircuitBreaker(FAILURES_BEFORE_DEGRADED, interval, max(interval), clock), new AtomicBoolean(),
        new AtomicReference<>()));
    if (!server.breaker().allows() || !server.polling().compareAndSet(false, true)) {
      return;
    }
    server.lastCheck().set(Instant.now(clock));
    try {
      pool.execute(() -> poll(key, server, claimedNow));
    } catch (RuntimeException e) {
      server.polling().set(false);
    }
  }

  private void poll(SlotServer key, Server server, Set<String> claimedNow) {
    try {
      Map<String, Watched> members = new HashMap<>();
      watched.forEach((uid, w) -> {
        if (w.server().equals(key)) {
          members.put(uid, w);
        }
      });
      if (members.isEmpty()) {
        servers.remove(key);
        return;
      }
      Watched any = members.values().iterator().next();
      List<SlotRow> rows;
      try {
        rows = monitor.readAll(any.source(), any.user(), any.password());
      } catch (SQLException | RuntimeException e) {
        failed(key, server, members, e, any.password());
        return;
      }
      server.breaker().success();
      Instant now = Instant.now(clock);
      members.forEach((uid, w) -> measured(uid, w, rows, claimedNow, now));
    } finally {
      server.polling().set(false);
    }
  }

  private void measured(String uid, Watched w, List<SlotRow> rows, Set<String> claimedNow, Instant now) {
    List<String> unclaimed =
        rows.stream()
            .filter(r -> !r.active() && r.pgstreamLike() && !r.name().equals(w.slot()) && !claimedNow.contains(r.name()))
            .map(SlotRow::name)
            .toList();
    SlotHealth health =
        rows.stream()
            .filter(r -> r.name().equals(w.slot()))
            .findFirst()
            .map(r -> new SlotHealth(true, r.active(), r.lagBytes(), r.retainedBytes(), r.walStatus(), unclaimed))
            .orElseGet(() -> new SlotHealth(false, false, 0, 0, null, unclaimed));
    metrics.measured(uid, w.namespace(), w.name(), w.slot(), health, now.getEpochSecond());
    deliver(uid, w, new Reading(w.slot(), health, now, 0, null));
  }

  private void failed(SlotServer key, Server server, Map<String, Watched> members, Exception e, String password) {
    int failures = server.breaker().failure();
    String detail = Redactor.redact(Objects.toString(e.getMessage(), e.getClass().getSimpleName()), List.of(password));
    String state = e instanceof SQLException sql ? sql.getSQLState() : null;
    String failure = state == null ? detail : detail + " (SQLSTATE " + state + ")";
    LOG.warn("slot check of {} failed ({} in a row{}): {}", key, failures, server.breaker().open() ? ", backing off" : "", failure);
    members.forEach(
        (uid, w) -> {
          metrics.checkFailed(uid, w.namespace(), w.name());
          Reading last = readings.get(uid);
          boolean same = last != null && last.slot().equals(w.slot());
          deliver(uid, w, new Reading(w.slot(), same ? last.health() : null, same ? last.checkedAt() : null, failures, failure));
        });
  }

  /** Stores the reading; the pipeline is reconciled only when what it would show changed. */
  private void deliver(String uid, Watched w, Reading reading) {
    if (!watched.containsKey(uid)) {
      return;
    }
    Reading before = readings.put(uid, reading);
    if (!view(before, w).equals(view(reading, w))) {
      changed.accept(w.id());
    }
  }

  /**
   * A reading stands for its slot's health until the third failure in a row, as its {@link #view} does: a reconcile
   * during a short failure writes that health, so a status change the last good reading brought is not lost to it.
   */
  private static boolean showsHealth(Reading r) {
    return r.health() != null && r.failures() < FAILURES_BEFORE_DEGRADED;
  }

  /**
   * What the pipeline's reconcile makes of the reading. A failure before the {@link #FAILURES_BEFORE_DEGRADED}th in a row
   * changes nothing there, unless the source refused the login (the reconcile reads the Secrets again): a hung server's
   * first failed check would otherwise queue a reconcile of each of its pipelines ahead of every other pipeline's.
   */
  private static String view(Reading r, Watched w) {
    if (r == null) {
      return "";
    }
    if (r.failures() >= FAILURES_BEFORE_DEGRADED) {
      return "failing " + r.failure();
    }
    if (r.failures() > 0 && loginFailure(r)) {
      return "login refused";
    }
    if (r.health() == null) {
      return "";
    }
    SlotStatus s = status(r.health(), w.maxRetained());
    return String.join("|", r.slot(), s.state, String.valueOf(s.active), s.lag, s.retainedWal, s.walStatus, String.valueOf(s.unclaimedSlotCount));
  }

  private static SlotStatus status(SlotHealth health, long maxRetained) {
    SlotStatus next = new SlotStatus();
    next.state = state(health, maxRetained);
    if (health.exists()) {
      next.active = health.active();
      next.lag = ByteSizes.forStatus(health.lagBytes());
      next.retainedWal = ByteSizes.forStatus(health.retainedBytes());
      next.walStatus = health.walStatus();
    }
    next.unclaimedSlotCount = health.unclaimed().isEmpty() ? null : health.unclaimed().size();
    return next;
  }

  /** Missing only from a query that succeeded and did not list the slot. */
  private static String state(SlotHealth h, long maxRetained) {
    if (!h.exists()) {
      return SlotStatus.MISSING;
    }
    if ("lost".equals(h.walStatus())) {
      return "WalLost";
    }
    return h.retainedBytes() > maxRetained ? "LagHigh" : "Healthy";
  }

  private static Duration max(Duration interval) {
    return interval.compareTo(MAX_BACKOFF) > 0 ? interval : MAX_BACKOFF;
  }

  private static String uid(PgstreamPipeline p) {
    return Optional.ofNullable(p.getMetadata().getUid()).orElse(p.namespacedName());
  }

  /** A slot problem as a Degraded reason and message; {@code blocking} when pgstream cannot stream at all. */
  record Problem(String reason, String message, boolean blocking) {}

  /**
   * The problem to report: a blocking slot state first (a Missing slot stays missing as far as the
   * last good check knows), then checks that keep failing, then lag.
   */
  Problem problem(PgstreamPipeline p, SlotStatus slot) {
    Problem fromState = stateProblem(p, slot);
    if (fromState != null && fromState.blocking()) {
      return fromState;
    }
    Reading r = readings.get(uid(p));
    if (r != null && r.failures() >= FAILURES_BEFORE_DEGRADED && r.slot().equals(ReplicationSlots.slotFor(p))) {
      return checkFailed(p, r);
    }
    return fromState;
  }

  /**
   * The last check of the pipeline's slot failed because the source refused the login: most likely
   * rotated credentials the pipeline's cached copy does not have yet.
   */
  boolean loginRefused(PgstreamPipeline p) {
    Reading r = readings.get(uid(p));
    return r != null && r.failures() > 0 && loginFailure(r);
  }

  private static boolean loginFailure(Reading r) {
    return r.failure() != null && (r.failure().contains("SQLSTATE 28P01") || r.failure().contains("SQLSTATE 28000"));
  }

  private static Problem checkFailed(PgstreamPipeline p, Reading r) {
    boolean login = loginFailure(r);
    String since = r.checkedAt() == null ? "never measured yet" : "last measured at " + r.checkedAt();
    String what =
        "The operator could not check replication slot %s on %s:%d/%s %d or more times in a row (%s); status.slot and the"
            .formatted(r.slot(), p.getSpec().source.host, p.getSpec().source.effectivePort(), p.getSpec().source.database, FAILURES_BEFORE_DEGRADED, since)
            + " slot gauges show the last good reading, and lag or a lost slot would go unseen.";
    String message =
        login
            ? what + " The source refused the login (authentication failed): " + r.failure() + ". Fix the credentials: the"
                + " username and password in the source Secret must match the login on the source (after a rotation, set the"
                + " new password on the database too, or let spec.prepare do it)."
            : what + " Last error: " + r.failure() + ". Check that the source is reachable from the operator and answers.";
    return new Problem("SlotCheckFailed", message, false);
  }

  /** The problem a slot state implies, or null when healthy. */
  static Problem stateProblem(PgstreamPipeline p, SlotStatus slot) {
    if (slot == null || slot.state == null || Objects.equals(slot.state, "Healthy")) {
      return null;
    }
    String name = ReplicationSlots.slotFor(p);
    return switch (slot.state) {
      case "Missing" -> new Problem(
          "SlotMissing",
          "Replication slot " + name + " does not exist on the source, so pgstream cannot resume; changes since it"
              + " disappeared are not in the target. Delete and re-apply the pipeline to initialise (and snapshot) again.",
          true);
      case "WalLost" -> new Problem(
          "SlotWalLost",
          "Replication slot " + name + " lost WAL it needed (wal_status lost): changes are missing from the target."
              + " Drop the slot when you decide to, then delete and re-apply the pipeline.",
          true);
      default -> new Problem(
          "SlotLagHigh",
          "Replication slot %s keeps %s of WAL on the source, more than spec.maxRetainedWalBytes (%s). Check the"
                  .formatted(name, slot.retainedWal, ByteSizes.human(p.getSpec().effectiveMaxRetainedWalBytes()))
              + " streaming pod; the source's disk fills if it stays behind.",
          false);
    };
  }
}
