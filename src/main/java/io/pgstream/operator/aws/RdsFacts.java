package io.pgstream.operator.aws;

/**
 * What the AWS API says about the source.
 *
 * @param writerInstance the instance to reboot: the instance itself, or the Aurora cluster's writer
 * @param parameterGroup the DB parameter group (instance) or DB cluster parameter group (Aurora)
 * @param logicalReplication the group's rds.logical_replication value ("1", "0", or null when unset)
 * @param pendingReboot the group's values wait for a reboot of the writer
 */
public record RdsFacts(
    boolean cluster,
    String identifier,
    String engine,
    String engineVersion,
    String writerEndpoint,
    String readerEndpoint,
    int port,
    String writerInstance,
    String parameterGroup,
    String logicalReplication,
    boolean pendingReboot) {

  public boolean defaultGroup() {
    return parameterGroup != null && parameterGroup.startsWith("default.");
  }

  public boolean logicalReplicationSet() {
    return "1".equals(logicalReplication);
  }

  public String groupKind() {
    return cluster ? "DB cluster parameter group" : "DB parameter group";
  }
}
