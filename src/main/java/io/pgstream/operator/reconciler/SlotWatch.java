package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SlotStatus;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.metrics.PipelineMetrics;
import io.pgstream.operator.slots.ByteSizes;
import io.pgstream.operator.slots.SlotHealth;
import io.pgstream.operator.slots.SlotMonitor;
import io.pgstream.operator.status.EventRecorder;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a streaming pipeline's slot at most once per interval, into status, gauges and Events.
 * Unclaimed slots are counted, never dropped, and never named in the pipeline's status or Events.
 */
final class SlotWatch {
  private static final Logger LOG = LoggerFactory.getLogger(SlotWatch.class);

  private final SlotMonitor monitor;
  private final PipelineMetrics metrics;
  private final EventRecorder events;
  private final Duration interval;
  private final Clock clock;
  private final Map<String, Instant> lastChecked = new ConcurrentHashMap<>();

  SlotWatch(SlotMonitor monitor, PipelineMetrics metrics, EventRecorder events, Duration interval, Clock clock) {
    this.monitor = monitor;
    this.metrics = metrics;
    this.events = events;
    this.interval = interval;
    this.clock = clock;
  }

  Duration interval() {
    return interval;
  }

  /** Updates {@code slot} in place when a measurement is due; returns the (possibly unchanged) status. */
  SlotStatus observe(PgstreamPipeline p, Context<PgstreamPipeline> ctx, SlotStatus previous, ResolvedCredentials creds) {
    String key = p.namespacedName();
    Instant now = Instant.now(clock);
    Instant last = lastChecked.get(key);
    if (last != null && Duration.between(last, now).compareTo(interval) < 0) {
      return previous;
    }
    lastChecked.put(key, now);
    String slot = ReplicationSlots.slotFor(p);
    Set<String> claimed =
        ctx.getPrimaryCache().list().map(ReplicationSlots::slotFor).collect(Collectors.toSet());
    SlotHealth health;
    try {
      health = monitor.check(p.getSpec().source, creds.sourceUser(), creds.sourcePassword(), slot, claimed);
    } catch (SQLException e) {
      // Streaming goes on without the operator's view of the slot; pgstream's /ready reports the source itself.
      LOG.warn("{}: could not read replication slot {}: {}", key, slot, Redactor.redact(e.getMessage(), creds.secretValues()));
      return previous;
    }
    metrics.slot(p.getMetadata().getNamespace(), p.getMetadata().getName(), slot, health.lagBytes(), health.retainedBytes());
    SlotStatus next = new SlotStatus();
    next.state = state(health, p.getSpec().effectiveMaxRetainedWalBytes());
    if (health.exists()) {
      next.active = health.active();
      next.lag = ByteSizes.forStatus(health.lagBytes());
      next.retainedWal = ByteSizes.forStatus(health.retainedBytes());
      next.walStatus = health.walStatus();
    }
    List<String> unclaimed = health.unclaimed();
    next.unclaimedSlotCount = unclaimed.isEmpty() ? null : unclaimed.size();
    int before = previous == null || previous.unclaimedSlotCount == null ? 0 : previous.unclaimedSlotCount;
    if (unclaimed.size() > before) {
      // The names belong to other pipelines, maybe of other namespaces: they go to the operator's log only.
      LOG.warn("{}: inactive replication slots on {}/{} that no PgstreamPipeline uses: {}", key, p.getSpec().source.host, p.getSpec().source.database, unclaimed);
      events.warning(
          p,
          "UnclaimedSlots",
          ("%d inactive pgstream-like replication slot(s) on %s/%s are used by no PgstreamPipeline and keep WAL on the"
                  + " source. The operator never drops them; its log names them for the database's administrators.")
              .formatted(unclaimed.size(), p.getSpec().source.host, p.getSpec().source.database));
    }
    return next;
  }

  void forget(PgstreamPipeline p) {
    lastChecked.remove(p.namespacedName());
  }

  private static String state(SlotHealth h, long maxRetained) {
    if (!h.exists()) {
      return "Missing";
    }
    if ("lost".equals(h.walStatus())) {
      return "WalLost";
    }
    return h.retainedBytes() > maxRetained ? "LagHigh" : "Healthy";
  }

  /** A slot problem as a Degraded reason and message; {@code blocking} when pgstream cannot stream at all. */
  record Problem(String reason, String message, boolean blocking) {}

  /** The problem a slot state implies, or null when healthy. */
  static Problem problem(PgstreamPipeline p, SlotStatus slot) {
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
