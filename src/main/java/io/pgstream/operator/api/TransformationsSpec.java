package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Column transformers applied to every row on its way to the target (pgstream {@code modifiers.transformations}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.tables) != has(self.rulesFrom)",
    message = "transformations needs exactly one of tables (inline rules) and rulesFrom (a ConfigMap)")
public class TransformationsSpec {
  @JsonPropertyDescription(
      "strict (every column of every selected table needs a rule, noop to copy one as is; a DDL change outside the"
          + " rules stops streaming), relaxed (the default, as in pgstream) or table_level (each table rule's own"
          + " validationMode).")
  public TransformationValidationMode validationMode;

  @JsonPropertyDescription(
      "What a value the transformer fails on becomes: fail (the default: pgstream stops, so nothing unmasked reaches"
          + " the target), null (pgstream's default: written as NULL) or pass-through (written unmasked).")
  public TransformationOnError onError;

  @Size(max = 500)
  @JsonPropertyDescription("The rules, one per table.")
  public List<TableTransformation> tables;

  @JsonPropertyDescription("The rules from a ConfigMap instead of tables.")
  public TransformationRulesSource rulesFrom;

  /**
   * The rules in effect: {@link #tables}, or those read from {@link #rulesFrom} by the reconciler for
   * the current reconcile; not part of the resource.
   */
  @JsonIgnore public List<TableTransformation> resolvedTables;

  public TransformationOnError effectiveOnError() {
    return onError == null ? TransformationOnError.FAIL : onError;
  }

  public TransformationValidationMode effectiveValidationMode() {
    return validationMode == null ? TransformationValidationMode.RELAXED : validationMode;
  }

  /** The rules to apply: inline, or as resolved from the ConfigMap (empty until resolved). */
  public List<TableTransformation> rules() {
    if (tables != null) {
      return tables;
    }
    return resolvedTables == null ? List.of() : resolvedTables;
  }
}
