package io.pgstream.operator.verify;

import io.pgstream.operator.preflight.Jdbc;
import io.pgstream.operator.slots.SlotPositions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Where the source's WAL is, and waiting until pgstream has confirmed a position on its slot. pgstream
 * confirms a position only after writing the changes before it to the target, so once the slot's
 * confirmed_flush_lsn passes an LSN, the target holds every transaction the source committed before it.
 */
final class SlotProgress {
  static final Duration POLL = Duration.ofMillis(500);

  private final String slot;
  private final Duration timeout;
  private final Clock clock;

  /** @param slot null for a snapshot-only pipeline: there is nothing to wait for */
  SlotProgress(String slot, Duration timeout, Clock clock) {
    this.slot = slot;
    this.timeout = timeout;
    this.clock = clock;
  }

  /**
   * The source's current WAL position, once the pipeline's target has applied everything before it.
   *
   * @throws VerificationException when the slot is missing or pgstream does not confirm in time
   */
  String awaitApplied(Connection source) throws SQLException, VerificationException {
    String lsn = SlotPositions.insertLsn(source);
    if (slot == null) {
      return lsn;
    }
    Instant deadline = Instant.now(clock).plus(timeout);
    while (true) {
      record Position(boolean passed, String confirmed) {}
      Position position =
          Jdbc.one(
                  source,
                  "SELECT coalesce(confirmed_flush_lsn >= ?::pg_lsn, false), confirmed_flush_lsn::text"
                      + " FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()",
                  rs -> new Position(rs.getBoolean(1), rs.getString(2)),
                  lsn,
                  slot)
              .orElseThrow(() -> new VerificationException("Replication slot " + slot + " does not exist on the source"));
      if (position.passed()) {
        return lsn;
      }
      if (Instant.now(clock).isAfter(deadline)) {
        throw new VerificationException(
            "pgstream did not confirm source LSN %s on slot %s within %ds (confirmed: %s); is the streaming pod running?"
                .formatted(lsn, slot, timeout.toSeconds(), position.confirmed()));
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VerificationException("Interrupted while waiting for slot " + slot);
      }
    }
  }
}
