package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Which server and database a pipeline's copied data and slot belong to, as recorded when they were
 * made: a later spec is compared with it to tell an endpoint alias from a new source or target.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecordedIdentity {
  public String host;
  public Integer port;
  public String database;
  /** The server's system identifier (pg_control_system()), when the operator could read it. */
  public String systemIdentifier;
  /** For the source: the replication slot streaming uses. */
  public String slot;
}
