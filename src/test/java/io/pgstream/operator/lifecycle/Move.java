package io.pgstream.operator.lifecycle;

import java.util.Random;

/**
 * The model's alphabet: every {@link ChangeKind} but deletion (each sequence ends with one), the
 * acknowledgement that closes a gap, and the world's moves that the kubelet and pgstream make.
 * Weights keep pipelines moving: about half the moves are the world's.
 */
enum Move {
  SOURCE_ENDPOINT(ChangeKind.SOURCE_ENDPOINT, 2),
  SOURCE_IDENTITY(ChangeKind.SOURCE_IDENTITY, 2),
  SLOT(ChangeKind.SLOT, 2),
  TARGET(ChangeKind.TARGET, 2),
  TABLES_ADDED(ChangeKind.TABLES_ADDED, 1),
  TABLES_REMOVED(ChangeKind.TABLES_REMOVED, 1),
  MODE(ChangeKind.MODE, 1),
  SNAPSHOT_TUNING(ChangeKind.SNAPSHOT_TUNING, 2),
  STREAM_TUNING(ChangeKind.STREAM_TUNING, 1),
  TRANSFORMATIONS(ChangeKind.TRANSFORMATIONS, 1),
  POD_TEMPLATE(ChangeKind.POD_TEMPLATE, 2),
  CREDENTIALS(ChangeKind.CREDENTIALS, 1),
  PREPARE(ChangeKind.PREPARE, 1),
  SNAPSHOT_NONCE(ChangeKind.SNAPSHOT_NONCE, 2),
  RETRY(ChangeKind.RETRY, 1),
  ABORT(ChangeKind.ABORT, 1),
  SLOT_LOST(ChangeKind.SLOT_LOST, 2),
  LOST_STATUS(ChangeKind.LOST_STATUS, 1),
  OPERATOR_RESTART(ChangeKind.OPERATOR_RESTART, 1),
  ACKNOWLEDGE_GAP(null, 2),
  JOB_SUCCEEDS(null, 16),
  JOB_FAILS(null, 3),
  PODS_GONE(null, 6),
  STREAM_AVAILABLE(null, 5);

  /** The table's change kind, null for the acknowledgement and the world's moves. */
  final ChangeKind kind;
  final int weight;

  Move(ChangeKind kind, int weight) {
    this.kind = kind;
    this.weight = weight;
  }

  boolean world() {
    return ordinal() >= JOB_SUCCEEDS.ordinal();
  }

  static Move pick(Random rnd) {
    int total = 0;
    for (Move m : values()) {
      total += m.weight;
    }
    int r = rnd.nextInt(total);
    for (Move m : values()) {
      r -= m.weight;
      if (r < 0) {
        return m;
      }
    }
    throw new IllegalStateException();
  }
}
