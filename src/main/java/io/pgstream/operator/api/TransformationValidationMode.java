package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** pgstream's {@code modifiers.transformations.validation_mode} (relaxed when unset, as in pgstream). */
public enum TransformationValidationMode {
  /** Every column of every selected table needs a rule (noop for a column copied as is); DDL outside the rules stops streaming. */
  @JsonProperty("strict")
  STRICT,
  /** Rules apply where they exist; other tables and columns are copied as they are. */
  @JsonProperty("relaxed")
  RELAXED,
  /** Each table rule says strict or relaxed itself. */
  @JsonProperty("table_level")
  TABLE_LEVEL
}
