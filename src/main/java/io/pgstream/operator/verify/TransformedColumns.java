package io.pgstream.operator.verify;

import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.preflight.TableSelection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The columns whose values the pipeline's transformation rules change (noop rules change nothing), per table. */
final class TransformedColumns {
  private final Map<String, Set<String>> byTable = new HashMap<>();

  TransformedColumns(List<TableTransformation> rules) {
    for (TableTransformation rule : rules) {
      Set<String> columns = byTable.computeIfAbsent(rule.qualifiedName(), k -> new HashSet<>());
      rule.columns.forEach((column, transformer) -> {
        if (transformer.transforms()) {
          columns.add(column);
        }
      });
    }
  }

  Set<String> of(TableSelection.Table table) {
    return byTable.getOrDefault(table.toString(), Set.of());
  }
}
