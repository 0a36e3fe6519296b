package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.slots.SlotClaimants;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * status.slotsCreated: every slot this pipeline may have created, recorded before the init Job that
 * creates it exists, and removed only once the slot is known gone. Deletion and abandoned-slot
 * handling work from these records and the recorded deletionPolicy, never from the current spec.
 */
final class SlotRecords {
  private final Clock clock;

  SlotRecords(Clock clock) {
    this.clock = clock;
  }

  /**
   * Records spec.deletionPolicy while the spec is readable, and gives a pipeline from before slot
   * records its record: the slot of status.replicationSlot, once init ran, where the spec points.
   */
  void remember(PgstreamPipeline p, PgstreamPipelineStatus st) {
    if (!readable(p)) {
      return;
    }
    st.deletionPolicy = p.getSpec().effectiveDeletionPolicy();
    if (st.slotsCreated == null && st.replicationSlot != null && st.init != null) {
      st.slotsCreated = new ArrayList<>(List.of(record(st.replicationSlot, p.getSpec().source)));
    }
  }

  /**
   * Records the slot pgstream init is about to create. True when the record is new: the init Job is
   * then created only by a later reconcile, after this status was written, so no slot can exist that
   * status does not name (a failed status write fails the reconcile before any Job).
   */
  boolean recordCurrent(PgstreamPipeline p, PgstreamPipelineStatus st) {
    String slot = ReplicationSlots.slotFor(p);
    ConnectionSpec source = p.getSpec().source;
    if (st.slotsCreated != null && st.slotsCreated.stream().anyMatch(r -> current(r) && at(r, source, slot))) {
      return false;
    }
    if (st.slotsCreated == null) {
      st.slotsCreated = new ArrayList<>();
    }
    st.slotsCreated.add(record(slot, source));
    return true;
  }

  /**
   * pgstream init succeeded for the spec's slot: from now on the pipeline streams from it alone. A
   * Current record of another slot (recorded for an earlier source or slot while a step ran, so no
   * gap decision left it behind) turns Abandoned, and the recorded deletionPolicy drops or names it.
   * A record that may be the same slot under another endpoint name stays. True when one was left.
   */
  boolean leaveOthers(PgstreamPipeline p, PgstreamPipelineStatus st) {
    if (st.slotsCreated == null) {
      return false;
    }
    SlotRecord mine = record(ReplicationSlots.slotFor(p), p.getSpec().source);
    mine.systemIdentifier = st.sourceSystemIdentifier;
    boolean left = false;
    for (SlotRecord r : st.slotsCreated) {
      if (current(r) && !maybeSameSlot(r, mine)) {
        r.state = SlotRecordState.Abandoned;
        left = true;
      }
    }
    return left;
  }

  /** Same name and database, and no known system identifiers that tell the servers apart. */
  private static boolean maybeSameSlot(SlotRecord a, SlotRecord b) {
    boolean serversDiffer = a.systemIdentifier != null && b.systemIdentifier != null && !a.systemIdentifier.equals(b.systemIdentifier);
    return Objects.equals(a.name, b.name) && Objects.equals(a.database, b.database) && !serversDiffer;
  }

  /** A Current record of {@code slot} on the database {@code source} names, recorded now. */
  SlotRecord record(String slot, ConnectionSpec source) {
    SlotRecord r = new SlotRecord();
    r.name = slot;
    r.host = source.host;
    r.port = source.effectivePort();
    r.database = source.database;
    r.recordedAt = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    r.state = SlotRecordState.Current;
    return r;
  }

  /** The records deletion must handle: with an old status, its one slot (found where a readable spec points). */
  static List<SlotRecord> forDeletion(PgstreamPipeline p) {
    PgstreamPipelineStatus st = p.getStatus();
    if (st == null) {
      return List.of();
    }
    if (st.slotsCreated != null) {
      return st.slotsCreated;
    }
    if (st.replicationSlot == null || st.init == null) {
      return List.of();
    }
    SlotRecord r = new SlotRecord();
    r.name = st.replicationSlot;
    r.state = SlotRecordState.Current;
    if (readable(p)) {
      r.host = p.getSpec().source.host;
      r.port = p.getSpec().source.effectivePort();
      r.database = p.getSpec().source.database;
    }
    return List.of(r);
  }

  /** The readable spec's deletionPolicy (the user's latest word), else the recorded one, else Retain. */
  static DeletionPolicy policy(PgstreamPipeline p) {
    if (readable(p)) {
      return p.getSpec().effectiveDeletionPolicy();
    }
    DeletionPolicy recorded = p.getStatus() == null ? null : p.getStatus().deletionPolicy;
    return recorded == null ? DeletionPolicy.Retain : recorded;
  }

  /** The spec could be read and says where the source is (the API server's schema requires that; a stored object may not). */
  static boolean readable(PgstreamPipeline p) {
    return p.getSpec() != null && p.getSpec().unreadable == null && p.getSpec().source != null;
  }

  static boolean current(SlotRecord r) {
    return r.state != SlotRecordState.Abandoned;
  }

  /** The record is of {@code slot} on the database {@code source} names. */
  static boolean at(SlotRecord r, ConnectionSpec source, String slot) {
    return Objects.equals(r.name, slot)
        && Objects.equals(r.host, source.host)
        && Objects.equals(r.port, source.effectivePort())
        && Objects.equals(r.database, source.database);
  }

  /** Both records are on one database: the same host, port and name, or the same server (system identifier) and name. */
  static boolean sameDatabase(SlotRecord a, SlotRecord b) {
    if (!Objects.equals(a.database, b.database) || a.database == null) {
      return false;
    }
    boolean sameServer = a.systemIdentifier != null && a.systemIdentifier.equals(b.systemIdentifier);
    return sameServer || (a.host != null && a.host.equals(b.host) && Objects.equals(a.port, b.port));
  }

  /**
   * Another pipeline, one that is not itself being deleted with deletionPolicy Delete, streams from
   * {@code r}'s database: pgstream's schema and event triggers there serve it too. Their names.
   */
  static List<String> databaseUsedByOthers(PgstreamPipeline p, SlotRecord r, Collection<PgstreamPipeline> all) {
    return others(p, all).stream()
        .filter(o -> o.getMetadata().getDeletionTimestamp() == null || policy(o) != DeletionPolicy.Delete)
        .filter(o -> forDeletion(o).stream().anyMatch(theirs -> current(theirs) && sameDatabase(theirs, r)))
        .map(PgstreamPipeline::namespacedName)
        .toList();
  }

  /** Another pipeline records {@code r}'s slot ({@link SlotClaimants}): it is not ours to drop or take over. */
  static boolean slotClaimedByOthers(PgstreamPipeline p, SlotRecord r, Collection<PgstreamPipeline> all) {
    return !SlotClaimants.of(p, r.name, r.host, r.port, r.systemIdentifier, all).isEmpty();
  }

  private static List<PgstreamPipeline> others(PgstreamPipeline p, Collection<PgstreamPipeline> all) {
    return all.stream().filter(o -> !Objects.equals(o.getMetadata().getUid(), p.getMetadata().getUid())).toList();
  }

  /** The spec's source connection (TLS, CA) pointed at where the record says the slot is. */
  static ConnectionSpec connection(ConnectionSpec spec, SlotRecord r) {
    ConnectionSpec c = new ConnectionSpec();
    c.host = r.host;
    c.port = r.port;
    c.database = r.database;
    c.sslMode = spec.sslMode;
    c.caBundle = spec.caBundle;
    c.trustedCa = spec.trustedCa;
    c.username = spec.username;
    c.password = spec.password;
    return c;
  }

  static String where(SlotRecord r) {
    return r.host == null ? "the source (server not recorded)" : r.host + ":" + r.port + "/" + r.database;
  }

  static String dropSql(SlotRecord r) {
    return "SELECT pg_drop_replication_slot('" + r.name.replace("'", "''") + "');";
  }

  /** Each record as "slot on host:port/db", for Event messages. */
  static String describe(Collection<SlotRecord> records) {
    return String.join(", ", records.stream().map(r -> r.name + " on " + where(r)).toList());
  }
}
