package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** pgstream's {@code target.postgres.on_conflict_action}. */
public enum OnConflictAction {
  @JsonProperty("error")
  ERROR,
  @JsonProperty("update")
  UPDATE,
  @JsonProperty("nothing")
  NOTHING
}
