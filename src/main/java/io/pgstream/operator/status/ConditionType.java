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
  Streaming,
  WritesDropped,
  Degraded,
  Ready
}
