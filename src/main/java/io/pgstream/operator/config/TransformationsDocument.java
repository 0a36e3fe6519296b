package io.pgstream.operator.config;

import io.pgstream.operator.api.ColumnTransformer;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.api.TransformationsSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * pgstream's {@code modifiers.transformations} block (pgstream 1.3.1 cmd/config/config_yaml.go
 * TransformationsConfig), the same in every file whose rows pgstream writes: the snapshot, a backfill
 * and streaming. validation_mode and on_error are always written: on_error's default here (fail)
 * differs from pgstream's (null).
 */
final class TransformationsDocument {
  private TransformationsDocument() {}

  /** The block, or null when the pipeline has no rules. */
  static Map<String, Object> of(PgstreamPipelineSpec spec) {
    List<TableTransformation> rules = spec.transformationRules();
    if (rules.isEmpty()) {
      return null;
    }
    TransformationsSpec t = spec.transformations;
    List<Object> tables = new ArrayList<>();
    for (TableTransformation rule : rules) {
      Map<String, Object> table = new LinkedHashMap<>();
      table.put("schema", rule.effectiveSchema());
      table.put("table", rule.table);
      if (rule.validationMode != null) {
        table.put("validation_mode", PgstreamConfigRenderer.enumValue(rule.validationMode));
      }
      Map<String, Object> columns = new LinkedHashMap<>();
      rule.columns.forEach((name, column) -> columns.put(name, column(column)));
      table.put("column_transformers", columns);
      tables.add(table);
    }
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("validation_mode", PgstreamConfigRenderer.enumValue(t.effectiveValidationMode()));
    block.put("on_error", PgstreamConfigRenderer.enumValue(t.effectiveOnError()));
    block.put("table_transformers", tables);
    return block;
  }

  private static Map<String, Object> column(ColumnTransformer column) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", column.transformer);
    if (column.parameters != null && !column.parameters.isEmpty()) {
      out.put("parameters", column.parameters);
    }
    if (column.dynamicParameters != null && !column.dynamicParameters.isEmpty()) {
      out.put("dynamic_parameters", column.dynamicParameters);
    }
    return out;
  }
}
