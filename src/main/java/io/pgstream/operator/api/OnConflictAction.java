package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** pgstream's {@code target.postgres.on_conflict_action}. */
public enum OnConflictAction {
  @JsonProperty("error")
  ERROR,
  /**
   * pgstream 1.3.1 adds ON CONFLICT DO UPDATE only when its injector supplies the key columns, which
   * the operator does not run: without it, update behaves as error. Refused by validation.
   */
  @JsonProperty("update")
  UPDATE,
  @JsonProperty("nothing")
  NOTHING
}
