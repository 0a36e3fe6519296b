package io.pgstream.operator.status;

/** The conditions every pipeline reports, in the order {@code kubectl describe} shows them. */
public enum ConditionType {
  ConfigRendered,
  RdsAccess,
  RdsLogicalReplication,
  Prepared,
  SourceReady,
  TargetReady,
  Initialized,
  SnapshotCompleted,
  /** Tables the spec selects that the last snapshot did not copy (they do not stream until backfilled). */
  SnapshotStale,
  Streaming,
  WritesDropped,
  Degraded,
  Ready
}
