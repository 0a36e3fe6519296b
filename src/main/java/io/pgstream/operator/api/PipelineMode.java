package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the pipeline does; spelled as pgstream's {@code source.postgres.mode}. */
public enum PipelineMode {
  /** A one-off copy of the selected tables; the pipeline completes when it is done. */
  @JsonProperty("snapshot")
  SNAPSHOT,
  /** Stream changes from the replication slot, no initial copy. */
  @JsonProperty("replication")
  REPLICATION,
  /** Copy the selected tables once, then stream the changes made since the slot was created. */
  @JsonProperty("snapshot_and_replication")
  SNAPSHOT_AND_REPLICATION;

  public boolean replicates() {
    return this != SNAPSHOT;
  }

  public boolean snapshots() {
    return this != REPLICATION;
  }
}
