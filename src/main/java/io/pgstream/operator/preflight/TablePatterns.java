package io.pgstream.operator.preflight;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * pgstream's table selectors ({@code schema.table}, {@code schema.*}, {@code *.*}, bare {@code table}
 * meaning {@code public.table}) as anchored regular expressions for {@code ~} in SQL.
 */
final class TablePatterns {
  record Selector(String schemaRegex, String tableRegex) {}

  private TablePatterns() {}

  static List<Selector> selectors(List<String> tables) {
    List<Selector> out = new ArrayList<>();
    for (String t : tables == null ? List.<String>of() : tables) {
      int dot = t.indexOf('.');
      String schema = dot < 0 ? "public" : t.substring(0, dot);
      String table = dot < 0 ? t : t.substring(dot + 1);
      out.add(new Selector(regex(schema), regex(table)));
    }
    return out;
  }

  /** Schemas named without a wildcard; the ones whose existence and privileges can be checked by name. */
  static Set<String> concreteSchemas(List<String> tables) {
    Set<String> out = new LinkedHashSet<>();
    for (String t : tables == null ? List.<String>of() : tables) {
      int dot = t.indexOf('.');
      String schema = dot < 0 ? "public" : t.substring(0, dot);
      if (!schema.contains("*")) {
        out.add(schema);
      }
    }
    return out;
  }

  /** Names are validated to letters, digits, _ $ - and *, so only $ needs escaping. */
  static String regex(String glob) {
    return "^" + glob.replace("$", "\\$").replace("*", ".*") + "$";
  }
}
