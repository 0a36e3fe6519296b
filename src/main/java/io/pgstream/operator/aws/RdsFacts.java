package io.pgstream.operator.aws;

/**
 * What the AWS API says about the source: the described resource and its parameter's value.
 *
 * @param logicalReplication the group's rds.logical_replication value ("1", "0", or null when unset)
 */
public record RdsFacts(RdsResource resource, String logicalReplication) {

  public boolean logicalReplicationSet() {
    return "1".equals(logicalReplication);
  }
}
