package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.LinkedHashMap;
import java.util.Map;

/** One column's transformer (pgstream {@code column_transformers.<column>}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ColumnTransformer {
  /** pgstream's name for "copy the column as it is": it only counts for strict validation. */
  public static final String NOOP = "noop";

  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z0-9_]+$")
  @JsonPropertyDescription(
      "pgstream transformer name, e.g. email, masking, neosync_firstname, greenmask_string, literal_string, noop (copy"
          + " as is; counts for strict validation). The preflight refuses a name pgstream "
          + PgstreamVersion.SUPPORTED
          + " does not know.")
  public String transformer;

  // Free-form: each value is a string, number, boolean, list or map, as the transformer defines it.
  @JsonPropertyDescription("The transformer's parameters, as pgstream documents them (e.g. masking: {type: name}).")
  public Map<String, AnyType> parameters;

  @JsonPropertyDescription(
      "Parameters taken from other columns of the row, as pgstream documents them (e.g. {gender: {column: sex}}).")
  public Map<String, AnyType> dynamicParameters;

  public ColumnTransformer() {}

  public ColumnTransformer(String transformer, Map<String, Object> parameters) {
    this.transformer = transformer;
    this.parameters = parameters == null ? null : anyTypes(parameters);
  }

  private static Map<String, AnyType> anyTypes(Map<String, Object> values) {
    Map<String, AnyType> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, new AnyType(v)));
    return out;
  }

  /** Whether the column's values change on the way (every transformer but noop). */
  public boolean transforms() {
    return !NOOP.equals(transformer);
  }
}
