package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A replication slot this pipeline asked pgstream init to create, recorded before the init Job
 * starts and kept until the slot is dropped: deletion and abandoned-slot handling decide from these
 * records, never from the current spec.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SlotRecord {
  public String name;
  public String host;
  public Integer port;
  public String database;
  /** The source server's system identifier (pg_control_system()), when the operator could read it. */
  public String systemIdentifier;
  public String recordedAt;
  /** Current (the slot streaming uses), Abandoned (left behind by a source or slot change, kept per deletionPolicy). */
  public SlotRecordState state;
}
