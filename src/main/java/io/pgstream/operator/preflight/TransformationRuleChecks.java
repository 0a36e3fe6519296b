package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamVersion;
import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.api.TableValidationMode;
import io.pgstream.operator.api.TransformationValidationMode;
import io.pgstream.operator.status.Messages;
import io.pgstream.operator.transform.PgstreamTransformers;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The transformation rules against the source, before any Job runs: what pgstream 1.3.1 checks when
 * it starts (its PostgresTransformerParser: the column exists, strict coverage; its config loader:
 * the validation modes; its builder: the transformer name), plus what it never checks: a rule on a table
 * that does not exist or that the pipeline does not select would silently never apply. The column type
 * against the transformer is left to pgstream, which refuses it when the Job starts.
 */
final class TransformationRuleChecks {
  private TransformationRuleChecks() {}

  static List<Finding> check(Connection c, PgstreamPipelineSpec spec) throws SQLException {
    List<Finding> findings = new ArrayList<>();
    List<TableTransformation> rules = spec.transformationRules();
    if (rules.isEmpty()) {
      return findings;
    }
    TransformationValidationMode mode = spec.transformations.effectiveValidationMode();
    Set<String> streamed = new LinkedHashSet<>();
    TableSelection.tables(c, spec.tables, spec.excludedTables).forEach(t -> streamed.add(t.toString()));
    Set<String> ruled = new LinkedHashSet<>();
    for (TableTransformation rule : rules) {
      String table = rule.qualifiedName();
      ruled.add(table);
      validationMode(rule, mode, findings);
      unknownTransformers(rule, findings);
      List<String> columns = columns(c, rule);
      if (columns.isEmpty()) {
        findings.add(
            error(
                "TransformationRuleUnknownTable",
                "A transformation rule names table " + table + ", which does not exist on the source (or the source"
                    + " login cannot see it).",
                "Correct the rule's schema and table in spec.transformations, or create the table first."));
        continue;
      }
      if (!streamed.contains(table)) {
        findings.add(
            error(
                "TransformationRuleTableNotSelected",
                "A transformation rule names table " + table + ", which spec.tables/excludedTables do not select: the"
                    + " rule would never apply.",
                "Select the table in spec.tables, or remove its rule from spec.transformations."));
      }
      List<String> unknown = rule.columns.keySet().stream().filter(col -> !columns.contains(col)).map(col -> table + "." + col).toList();
      if (!unknown.isEmpty()) {
        findings.add(
            error(
                "TransformationRuleUnknownColumn",
                Messages.firstOf(unknown, SourceChecks.LISTED) + ": no such column on the source, so pgstream "
                    + PgstreamVersion.SUPPORTED + " would refuse the rules when it starts.",
                "Correct the column name in the rule for " + table + " (names are case-sensitive), or remove it."));
      }
      if (strict(rule, mode)) {
        List<String> uncovered = columns.stream().filter(col -> !rule.columns.containsKey(col)).map(col -> table + "." + col).toList();
        if (!uncovered.isEmpty()) {
          findings.add(
              error(
                  "TransformationRulesIncomplete",
                  Messages.firstOf(uncovered, SourceChecks.LISTED) + ": no rule, and validation mode strict needs one for"
                      + " every column of the table.",
                  "Add a rule for each (transformer: noop copies a column as it is), or use validationMode relaxed."));
        }
      }
    }
    if (mode == TransformationValidationMode.STRICT) {
      List<String> uncovered = streamed.stream().filter(t -> !ruled.contains(t)).toList();
      if (!uncovered.isEmpty()) {
        findings.add(
            error(
                "TransformationRulesIncomplete",
                Messages.firstOf(uncovered, SourceChecks.LISTED) + ": selected, but without a transformation rule, which"
                    + " validation mode strict needs for every selected table.",
                "Add a rule for each table (transformer: noop for columns copied as they are), or use validationMode"
                    + " relaxed or table_level."));
      }
    }
    return findings;
  }

  /** pgstream's config loader: a table's own mode exactly when the global mode is table_level. */
  private static void validationMode(TableTransformation rule, TransformationValidationMode mode, List<Finding> findings) {
    boolean tableLevel = mode == TransformationValidationMode.TABLE_LEVEL;
    if (tableLevel != (rule.validationMode != null)) {
      findings.add(
          error(
              "TransformationRuleValidationMode",
              tableLevel
                  ? "The rule for " + rule.qualifiedName() + " has no validationMode, which validationMode table_level needs."
                  : "The rule for " + rule.qualifiedName() + " sets validationMode, which only validationMode table_level allows.",
              tableLevel
                  ? "Set validationMode: strict or relaxed on every table rule."
                  : "Remove the table's validationMode, or set spec.transformations.validationMode: table_level."));
    }
  }

  private static void unknownTransformers(TableTransformation rule, List<Finding> findings) {
    rule.columns.forEach(
        (column, transformer) -> {
          if (!PgstreamTransformers.known(transformer.transformer)) {
            findings.add(
                error(
                    "TransformationRuleUnknownTransformer",
                    "Column " + rule.qualifiedName() + "." + column + " names transformer " + transformer.transformer
                        + ", which pgstream " + PgstreamVersion.SUPPORTED + " does not know.",
                    "Use one of: " + PgstreamTransformers.listed() + "."));
          }
        });
  }

  private static boolean strict(TableTransformation rule, TransformationValidationMode mode) {
    return mode == TransformationValidationMode.STRICT
        || (mode == TransformationValidationMode.TABLE_LEVEL && rule.validationMode == TableValidationMode.STRICT);
  }

  /** The table's columns in order; empty when the table does not exist. */
  private static List<String> columns(Connection c, TableTransformation rule) throws SQLException {
    return Jdbc.query(
        c,
        """
        SELECT a.attname FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum
        """,
        rs -> rs.getString(1),
        rule.effectiveSchema(),
        rule.table);
  }

  private static Finding error(String code, String cause, String fix) {
    return Finding.error(Side.SOURCE, code, cause, fix);
  }
}
