package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.api.UnsettledProgress;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.durable.ProgressRecord;
import io.pgstream.operator.durable.ProgressRecords;
import io.pgstream.operator.durable.ProgressVerdict;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import io.pgstream.operator.preflight.TableSelection;
import io.pgstream.operator.preflight.TargetTables;
import io.pgstream.operator.slots.SlotClaimants;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Before anything runs for a pipeline whose status holds no progress (a restore without status,
 * replace --force, a CRD reinstall, a move to another cluster): the durable facts decide. The
 * record on the target ({@link ProgressRecords}) and the slot on the source are adopted when they
 * settle what ran; when they do not, the pipeline blocks with SnapshotStateUnknown until a new
 * spec.snapshot.nonce (take a new snapshot) or spec.acknowledgeGap (go on without one).
 */
final class SnapshotStateGate {
  static final String UNKNOWN = "SnapshotStateUnknown";
  static final String UNREADABLE = "SnapshotStateUnreadable";
  private final DatabaseConnector database;
  private final EventRecorder events;
  private final Clock clock;
  private final ErasedSlotRecords erased;

  SnapshotStateGate(DatabaseConnector database, EventRecorder events, Clock clock, ErasedSlotRecords erased) {
    this.database = database;
    this.events = events;
    this.clock = clock;
    this.erased = erased;
  }

  /** Before validation and every gate: slot records rebuilt after status was erased; true when that must be tried again. */
  boolean restoreFirst(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st) {
    return erased.restoreFirst(p, ctx, st);
  }

  /** Null when the pipeline may go on (status knew, records adopted, or a new pipeline); else why not. */
  Blocker check(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    // With preflight Skip the operator never connects to the databases: status (and the Jobs) only.
    if (st.init != null || st.snapshot != null || !p.getSpec().preflightEnforced()) {
      return null;
    }
    if (erased.stepJobsOutlivedStatus(p, ctx)) {
      // The Jobs settle what ran, not which slots exist: those records come from the target's row and the source.
      return erased.restore(p, ctx, st, creds)
          .map(why -> new Blocker(UNREADABLE, "Status holds no slot records and the source or target could not be read to restore them, so nothing starts yet: " + why))
          .orElse(null);
    }
    ProgressVerdict.Findings found;
    try {
      found = findings(p, ctx, creds);
    } catch (SQLException e) {
      return new Blocker(
          UNREADABLE,
          "Status holds no progress and the durable records could not be read, so nothing starts yet: "
              + Redactor.redact(String.valueOf(e.getMessage()), creds.secretValues()));
    }
    PgstreamPipelineSpec spec = p.getSpec();
    String nonce = spec.snapshot == null ? null : spec.snapshot.nonce;
    UnsettledProgress asked = st.unsettledProgress;
    ProgressVerdict verdict = ProgressVerdict.decide(found, spec.mode.snapshots(), spec.source.database, nonce);
    if (asked != null && verdict instanceof ProgressVerdict.Unknown) {
      boolean ownSlot = found.slot() != null && found.slotExists() && !found.slotClaimed();
      if (!Objects.equals(asked.nonce, nonce)) {
        verdict = new ProgressVerdict.Adopt(ownSlot, false);
      } else if (!Objects.equals(asked.acknowledgeGap, spec.acknowledgeGap)) {
        st.gapAcknowledged = spec.acknowledgeGap;
        adopt(p, st, config, found, new ProgressVerdict.Adopt(ownSlot, spec.mode.snapshots()), "spec.acknowledgeGap " + spec.acknowledgeGap);
        st.unsettledProgress = null;
        events.warning(p, "GapAcknowledged", "spec.acknowledgeGap: going on without a snapshot; the target lacks what one would have copied");
        return null;
      }
    }
    if (verdict instanceof ProgressVerdict.Unknown unknown) {
      if (asked == null) {
        st.unsettledProgress = new UnsettledProgress();
        st.unsettledProgress.nonce = nonce;
        st.unsettledProgress.acknowledgeGap = spec.acknowledgeGap;
        st.unsettledProgress.since = Instant.now(clock).toString();
      }
      String message = unknownMessage(p, unknown.found(), found);
      s.set(spec.mode.snapshots() ? ConditionType.SnapshotCompleted : ConditionType.Initialized, false, UNKNOWN, message);
      return new Blocker(UNKNOWN, message);
    }
    st.unsettledProgress = null;
    adopt(p, st, config, found, (ProgressVerdict.Adopt) verdict, null);
    return null;
  }

  /** A Blocker the preflight words better (it cannot connect either): it goes first, this one after it. */
  static boolean unreadable(Blocker b) {
    return b != null && UNREADABLE.equals(b.reason());
  }

  private ProgressVerdict.Findings findings(PgstreamPipeline p, Context<PgstreamPipeline> ctx, ResolvedCredentials creds)
      throws SQLException {
    PgstreamPipelineSpec spec = p.getSpec();
    String slot = spec.mode.replicates() ? ReplicationSlots.slotFor(p) : null;
    try (Connection source = database.open(spec.source, spec.source.database, creds.sourceUser(), creds.sourcePassword())) {
      boolean slotExists =
          slot != null
              && Jdbc.isTrue(
                  source,
                  "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND database = current_database())",
                  slot);
      Optional<ProgressRecord> record = Optional.empty();
      List<String> populated = List.of();
      try (Connection target = database.open(spec.target, spec.target.database, creds.targetUser(), creds.targetPassword())) {
        record = readable(target, p);
        if (spec.mode.snapshots() && (spec.snapshot == null || spec.snapshot.effectiveMode().includesData())) {
          populated = TargetTables.populated(target, TableSelection.tables(source, spec.tables, spec.excludedTables));
        }
      } catch (SQLException e) {
        if (!"3D000".equals(e.getSQLState())) {
          throw e; // a missing target database (createTargetDb makes it) holds nothing
        }
      }
      boolean claimed = slot != null
          && !SlotClaimants.of(p, slot, spec.source.host, spec.source.effectivePort(), null, ctx.getPrimaryCache().list().toList()).isEmpty();
      return new ProgressVerdict.Findings(record.orElse(null), slot, slotExists, claimed, populated);
    }
  }

  /** The writer is the target login: a table it may not read holds no row of this pipeline's. */
  static Optional<ProgressRecord> readable(Connection target, PgstreamPipeline p) throws SQLException {
    try {
      return ProgressRecords.read(target, p.getMetadata().getNamespace(), p.getMetadata().getName());
    } catch (SQLException e) {
      if ("42501".equals(e.getSQLState())) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private void adopt(
      PgstreamPipeline p, PgstreamPipelineStatus st, RenderedConfig config, ProgressVerdict.Findings found, ProgressVerdict.Adopt adopt, String accepted) {
    if (!adopt.any()) {
      return;
    }
    ProgressRecord r = found.record();
    List<String> said = new ArrayList<>();
    if (adopt.init()) {
      st.init = succeeded(config.initHash(), Children.job(p, Step.INIT), r == null ? null : r.initializedAt(),
          "pgstream init not run again: slot " + found.slot() + " exists on the source; streaming resumes from it");
      recordSlot(p, st, found.slot());
      said.add("slot " + found.slot());
    }
    if (adopt.snapshot()) {
      String how = accepted != null
          ? "no snapshot taken: " + accepted + " accepts the target as it is"
          : "the snapshot for this nonce completed at " + r.snapshotCompletedAt() + " (" + ProgressRecords.TABLE + " on the target); not taken again";
      st.snapshot = succeeded(config.snapshotHash(), Children.job(p, Step.SNAPSHOT), accepted == null ? r.snapshotCompletedAt() : null, how);
      st.snapshot.nonce = p.getSpec().snapshot == null ? null : p.getSpec().snapshot.nonce;
      st.snapshot.tables = accepted == null ? r.snapshotTables() : null;
      said.add(accepted == null ? "the completed snapshot" : "no snapshot (" + accepted + ")");
    }
    events.normal(p, "ProgressAdopted", "Status held no progress; adopted " + String.join(" and ", said) + " instead of running it again");
  }

  /** Deletion works from status.slotsCreated: an adopted slot is recorded there like one init created. */
  private void recordSlot(PgstreamPipeline p, PgstreamPipelineStatus st, String slot) {
    if (st.slotsCreated != null && st.slotsCreated.stream().anyMatch(r -> slot.equals(r.name))) {
      return;
    }
    SlotRecord record = new SlotRecord();
    record.name = slot;
    record.host = p.getSpec().source.host;
    record.port = p.getSpec().source.effectivePort();
    record.database = p.getSpec().source.database;
    record.recordedAt = Instant.now(clock).toString();
    record.state = SlotRecordState.Current;
    st.slotsCreated = new ArrayList<>(st.slotsCreated == null ? List.of() : st.slotsCreated);
    st.slotsCreated.add(record);
  }

  private static StepStatus succeeded(String hash, String job, String completedAt, String message) {
    StepStatus step = new StepStatus();
    step.state = StepState.Succeeded;
    step.configHash = hash;
    step.job = job;
    step.completedAt = completedAt;
    step.message = message;
    return step;
  }

  private static String unknownMessage(PgstreamPipeline p, String found, ProgressVerdict.Findings f) {
    boolean fromSlot = f.slot() != null && f.slotExists() && !f.slotClaimed();
    String streamOn = f.slot() == null ? "count the snapshot as done" : fromSlot ? "stream on from slot " + f.slot() : "stream from a new slot, from now on";
    String snapshot = p.getSpec().mode.snapshots()
        ? "a new spec.snapshot.nonce takes a new snapshot" + (fromSlot ? " and streams from slot " + f.slot() : "") + " (populatedTarget applies), or "
        : "";
    return ("Status holds no progress (a restore without status, replace --force or a CRD reinstall?) and what outlived it"
            + " does not settle what ran: %s. A snapshot now could copy over rows in service and streaming on could skip"
            + " changes, so nothing starts. Choose: %sa new spec.acknowledgeGap value makes the operator %s without a"
            + " snapshot (the target then lacks what one would have copied).")
        .formatted(found, snapshot, streamOn);
  }
}
