package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** pgstream's {@code source.postgres.snapshot.mode}. */
public enum SnapshotMode {
  @JsonProperty("full")
  FULL,
  @JsonProperty("schema")
  SCHEMA,
  @JsonProperty("data")
  DATA;

  public boolean includesData() {
    return this != SCHEMA;
  }

  public boolean includesSchema() {
    return this != DATA;
  }
}
