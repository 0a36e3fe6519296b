package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.slots.SlotPositions;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the source was when a snapshot or backfill was seen complete (status.snapshot.lsn,
 * status.backfill.lsn): the last position the operator knows the target held, which a gap's message
 * names. Recorded once; tried again on the next reconcile if the source does not answer.
 */
final class SnapshotPosition {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPosition.class);
  private final SlotPositions positions;

  SnapshotPosition(SlotPositions positions) {
    this.positions = positions;
  }

  void record(PgstreamPipeline p, StepStatus step, ResolvedCredentials creds) {
    if (!p.getSpec().mode.replicates() || !p.getSpec().preflightEnforced() || step.lsn != null) {
      return;
    }
    try {
      step.lsn = positions.current(p.getSpec().source, creds.sourceUser(), creds.sourcePassword());
    } catch (SQLException e) {
      LOG.info("{}/{}: source position not read yet (SQLSTATE {})", p.getMetadata().getNamespace(), p.getMetadata().getName(), e.getSQLState());
    }
  }
}
