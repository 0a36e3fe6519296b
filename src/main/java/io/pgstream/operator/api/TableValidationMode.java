package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A table rule's own validation mode, under validationMode table_level only (pgstream refuses it elsewhere). */
public enum TableValidationMode {
  @JsonProperty("strict")
  STRICT,
  @JsonProperty("relaxed")
  RELAXED
}
