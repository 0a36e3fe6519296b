package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A part of the spec whose schema keeps fields it does not declare (x-kubernetes-preserve-unknown-fields),
 * so that a field the operator refuses reaches it and gets a condition naming it, instead of being
 * pruned by the API server without a word.
 */
public abstract class UnknownFields {
  @JsonAnyGetter @JsonAnySetter @JsonIgnore private final Map<String, Object> undeclared = new LinkedHashMap<>();

  /** The fields the model does not declare, in the order they were written. */
  public Map<String, Object> undeclared() {
    return undeclared;
  }
}
