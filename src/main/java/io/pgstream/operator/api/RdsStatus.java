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
  public Boolean pendingReboot;
  /** The config and spec.source.rds for which the AWS API let the pipeline go on; it is not asked again for them. */
  public String enabledForConfig;
}
