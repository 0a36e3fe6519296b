package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.durable.ProgressRecord;
import io.pgstream.operator.durable.ProgressRecords;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * After a step finished: writes what status now says ran (init and its slot, the snapshot and its
 * nonce) to the pipeline's row on the target, as the target login, so losing status cannot make the
 * operator run them again. Written once per change (status.progressRecorded holds a digest).
 *
 * <p>A failed write does not hold streaming back: ProgressRecorded=False says so (with an Event) and
 * every reconcile tries again. Holding back would grow the source's WAL for no gain, because a
 * missing record never leads to a re-run: with status lost and no record, a populated target or an
 * existing slot blocks with SnapshotStateUnknown instead.
 */
final class ProgressRecorder {
  private final DatabaseConnector database;
  private final EventRecorder events;
  private final Clock clock;

  ProgressRecorder(DatabaseConnector database, EventRecorder events, Clock clock) {
    this.database = database;
    this.events = events;
    this.clock = clock;
  }

  /** A record that could not be written yet: the next reconcile must try again without waiting for an event. */
  static boolean pending(PgstreamPipelineStatus st) {
    return StatusUpdater.condition(st, ConditionType.ProgressRecorded)
        .map(c -> "False".equals(c.getStatus()) && !"PreflightSkipped".equals(c.getReason()))
        .orElse(false);
  }

  void record(PgstreamPipeline p, StatusUpdater s, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().preflightEnforced()) {
      s.set(ConditionType.ProgressRecorded, false, "PreflightSkipped",
          "spec.preflight is Skip: the operator does not connect to the databases, so progress lives in status only");
      return;
    }
    ProgressRecord record = of(p, st);
    String digest = digest(record);
    if (digest.equals(st.progressRecorded)) {
      return;
    }
    try {
      write(p, record, creds);
      st.progressRecorded = digest;
      s.set(ConditionType.ProgressRecorded, true, "Recorded", describe(record) + " recorded in " + ProgressRecords.TABLE + " on the target");
    } catch (SQLException e) {
      boolean refused = "42501".equals(e.getSQLState());
      String reason = refused ? "RecordNotPermitted" : "RecordFailed";
      String message = ("Could not record %s in %s on the target: %s. %sStreaming goes on from status; the operator"
              + " tries again on every reconcile. Until it succeeds, a lost status blocks with SnapshotStateUnknown"
              + " instead of being settled from the record.")
          .formatted(describe(record), ProgressRecords.TABLE, Redactor.redact(String.valueOf(e.getMessage()), creds.secretValues()),
              refused
                  ? "Let the target login create schema " + ProgressRecords.SCHEMA + " (GRANT CREATE ON DATABASE), or give"
                      + " spec.prepare.target an admin login that creates it. "
                  : "");
      boolean new_ = StatusUpdater.condition(s.before(), ConditionType.ProgressRecorded).map(c -> !reason.equals(c.getReason())).orElse(true);
      s.set(ConditionType.ProgressRecorded, false, reason, message);
      if (new_) {
        events.warning(p, reason, message);
      }
    }
  }

  /** As the target login; refused, once more after the target admin (spec.prepare.target) created the table for it. */
  private void write(PgstreamPipeline p, ProgressRecord record, ResolvedCredentials creds) throws SQLException {
    PgstreamPipelineSpec spec = p.getSpec();
    try (Connection target = database.open(spec.target, spec.target.database, creds.targetUser(), creds.targetPassword())) {
      ProgressRecords.write(target, record);
    } catch (SQLException e) {
      Optional<Login> admin = creds.targetAdmin();
      if (!"42501".equals(e.getSQLState()) || admin.isEmpty()) {
        throw e;
      }
      try (Connection c = database.open(spec.target, spec.target.database, admin.get().user(), admin.get().password())) {
        ProgressRecords.ensureTable(c, creds.targetUser());
      }
      try (Connection target = database.open(spec.target, spec.target.database, creds.targetUser(), creds.targetPassword())) {
        ProgressRecords.write(target, record);
      }
    }
  }

  /** What status says ran; a step's completion time is when it was seen complete, or now. */
  private ProgressRecord of(PgstreamPipeline p, PgstreamPipelineStatus st) {
    PgstreamPipelineSpec spec = p.getSpec();
    boolean initialized = spec.mode.replicates() && succeeded(st.init);
    boolean snapshotted = spec.mode.snapshots() && succeeded(st.snapshot);
    return new ProgressRecord(
        p.getMetadata().getNamespace(),
        p.getMetadata().getName(),
        p.getMetadata().getUid(),
        spec.mode.name(),
        spec.source.host,
        spec.source.effectivePort(),
        spec.source.database,
        spec.mode.replicates() ? ReplicationSlots.slotFor(p) : null,
        initialized ? seen(st.init) : null,
        snapshotted ? st.snapshot.nonce : null,
        snapshotted ? st.snapshot.configHash : null,
        snapshotted ? st.snapshot.tables : null,
        snapshotted ? seen(st.snapshot) : null);
  }

  /** Everything but the times, which a fallback to "now" would change on every reconcile. */
  private static String digest(ProgressRecord r) {
    return Hashes.shortHash(String.join("\u0000", String.valueOf(r.uid()), r.mode(), String.valueOf(r.sourceHost()),
        String.valueOf(r.sourcePort()), String.valueOf(r.sourceDatabase()), String.valueOf(r.slot()), String.valueOf(r.initialized()),
        String.valueOf(r.snapshotCompleted()), String.valueOf(r.snapshotNonce()), String.valueOf(r.snapshotHash()),
        String.valueOf(r.snapshotTables())));
  }

  private static String describe(ProgressRecord r) {
    String init = r.initialized() ? "init (slot " + r.slot() + ")" : null;
    String snapshot = r.snapshotCompleted() ? "the snapshot (nonce " + (r.snapshotNonce() == null ? "none" : r.snapshotNonce()) + ")" : null;
    if (init != null && snapshot != null) {
      return init + " and " + snapshot;
    }
    return init != null ? init : snapshot != null ? snapshot : "no finished step";
  }

  private String seen(StepStatus step) {
    return step.completedAt != null ? step.completedAt : Instant.now(clock).toString();
  }

  private static boolean succeeded(StepStatus step) {
    return step != null && step.state == StepState.Succeeded;
  }
}
