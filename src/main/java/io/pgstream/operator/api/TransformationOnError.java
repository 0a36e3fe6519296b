package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** pgstream's {@code modifiers.transformations.on_error}: what a value the transformer cannot transform becomes. */
public enum TransformationOnError {
  /** pgstream stops: nothing unmasked and nothing silently lost reaches the target (the operator's default). */
  @JsonProperty("fail")
  FAIL,
  /** The original value is written: the target receives it unmasked. */
  @JsonProperty("pass-through")
  PASS_THROUGH,
  /** NULL is written (pgstream's own default): the value is lost, and a NOT NULL column rejects the row. */
  @JsonProperty("null")
  NULL
}
