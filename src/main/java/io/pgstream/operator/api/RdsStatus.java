package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What the AWS API last said about the source. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RdsStatus {
  public String engine;
  public String engineVersion;
  public String writerEndpoint;
  public String parameterGroup;
  /** rds.logical_replication in that group: 1, 0, or absent when unset. */
  public String logicalReplication;
  public Boolean pendingReboot;
  /** The config hash for which logical replication was found enabled; the AWS API is not asked again for it. */
  public String enabledForConfig;
}
