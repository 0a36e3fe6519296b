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
  /** The finished steps are recorded on the target (pgstream_operator.pipelines), so a lost status cannot erase them. */
  ProgressRecorded,
  Streaming,
  WritesDropped,
  Degraded,
  Ready,
  /** pgstream.io/reconcile-paused is set: the operator acts on nothing, and the other conditions are as it left them. */
  ReconcilePaused
}
