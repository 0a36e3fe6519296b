package io.pgstream.operator.api;

/** Where a pipeline is in its life, shown by {@code kubectl get}. */
public enum Phase {
  Pending,
  Initializing,
  Snapshotting,
  Streaming,
  /** A snapshot-only pipeline whose snapshot finished. */
  Completed,
  Failed,
  /** spec.state: Suspended, and nothing runs. */
  Suspended
}
