package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.slots.SlotPositions;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The window in which replayed inserts may meet rows the snapshot copied: the slot starts at init,
 * before the snapshot. The operator records the source's position once the snapshot is complete, and
 * marks the window closed once streaming has confirmed past it; the renderer then turns
 * on_conflict_action from nothing (skip such inserts) to error (a duplicate is a real divergence, and
 * strict mode stops on it). Both facts live in status.snapshot, so a restarted operator keeps them.
 */
final class ReplayWindow {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayWindow.class);
  private final SlotPositions positions;

  ReplayWindow(SlotPositions positions) {
    this.positions = positions;
  }

  /** Records where the source was when the snapshot was seen complete; tried again on the next reconcile if the source does not answer. */
  void recordSnapshotEnd(PgstreamPipeline p, StepStatus snapshot, ResolvedCredentials creds) {
    if (!applies(p) || snapshot.lsn != null) {
      return;
    }
    try {
      snapshot.lsn = positions.current(p.getSpec().source, creds.sourceUser(), creds.sourcePassword());
    } catch (SQLException e) {
      LOG.info("{}/{}: source position not read yet (SQLSTATE {})", p.getMetadata().getNamespace(), p.getMetadata().getName(), e.getSQLState());
    }
  }

  /** Marks the window closed once the slot's consumer has confirmed past the recorded position. */
  void observe(PgstreamPipeline p, StepStatus snapshot, ResolvedCredentials creds) {
    if (!open(p, snapshot)) {
      return;
    }
    try {
      if (positions.confirmedPast(p.getSpec().source, creds.sourceUser(), creds.sourcePassword(), ReplicationSlots.slotFor(p), snapshot.lsn)) {
        snapshot.streamedPast = true;
      }
    } catch (SQLException e) {
      LOG.info("{}/{}: slot position not read (SQLSTATE {})", p.getMetadata().getNamespace(), p.getMetadata().getName(), e.getSQLState());
    }
  }

  /**
   * The next reconcile must look again: the window of the snapshot or of a backfill is open, or it
   * closed in this reconcile and the config (rendered from the status read at the start) still has to follow.
   */
  boolean pending(PgstreamPipeline p, PgstreamPipelineStatus now) {
    PgstreamPipelineStatus atStart = p.getStatus();
    return open(p, now.snapshot) || open(p, now.backfill)
        || (atStart != null && (open(p, atStart.snapshot) || open(p, atStart.backfill)));
  }

  private static boolean open(PgstreamPipeline p, StepStatus snapshot) {
    return applies(p) && snapshot != null && snapshot.lsn != null && !Boolean.TRUE.equals(snapshot.streamedPast);
  }

  /** Only the operator's own default has a window: an onConflictAction in the spec is used as given. */
  private static boolean applies(PgstreamPipeline p) {
    return p.getSpec().mode == PipelineMode.SNAPSHOT_AND_REPLICATION
        && p.getSpec().target.onConflictAction == null
        && p.getSpec().preflightEnforced();
  }
}
