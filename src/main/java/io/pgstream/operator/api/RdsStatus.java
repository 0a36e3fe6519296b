package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What the AWS API last said about the source; empty while the pipeline may not use it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RdsStatus {
  public String engine;
  public String engineVersion;
  public String writerEndpoint;
  public String parameterGroup;
  /** rds.logical_replication in that group: 1, 0, or absent when unset. */
  public String logicalReplication;
  /** The group's apply status is pending-reboot: informational, it may be anyone's staged change. */
  public Boolean pendingReboot;
  /** What the running server said (wal_level): true when logical replication is in effect; absent when not asked. */
  public Boolean logicalReplicationInEffect;
  /** What the operator itself changed in a parameter group it owns for this pipeline, and when. */
  public String parameterChange;
  public String parameterChangedAt;
  /** When the operator rebooted the writer to apply {@link #parameterChange}; it never reboots again for that change. */
  public String rebootRequestedAt;
  /**
   * The endpoint, mode and spec.source.rds for which the AWS API and the server let the pipeline go
   * on; they are not asked again for them, whatever else in the spec changes.
   */
  public String enabledForConfig;
}
