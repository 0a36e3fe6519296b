package io.pgstream.operator.preflight;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which schemas and tables a pipeline's {@code tables} select. pgstream's table selectors ({@code schema.table}, {@code schema.*}, {@code *.*}, bare {@code table}
 * meaning {@code public.table}) as anchored regular expressions for {@code ~} in SQL.
 */
public final class TableSelection {
  record Selector(String schemaRegex, String tableRegex) {}

  private TableSelection() {}

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
  public static Set<String> concreteSchemas(List<String> tables) {
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

  /** The concrete schemas, or public when every selector has a wildcard schema. */
  public static Set<String> schemasOrPublic(List<String> tables) {
    Set<String> out = concreteSchemas(tables);
    if (out.isEmpty()) {
      out.add("public");
    }
    return out;
  }

  /** The SQL condition that relation {@code c} in namespace {@code n} is selected; takes two text[] parameters. */
  static final String SELECTED =
      """
      c.relkind IN ('r', 'p', 'S', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgstream') AND n.nspname NOT LIKE 'pg\\_%'
      AND EXISTS (SELECT 1 FROM unnest(?::text[], ?::text[]) AS p(s, t) WHERE n.nspname ~ p.s AND c.relname ~ p.t)
      """;

  static List<String> schemaRegexes(List<String> tables) {
    return selectors(tables).stream().map(Selector::schemaRegex).toList();
  }

  static List<String> tableRegexes(List<String> tables) {
    return selectors(tables).stream().map(Selector::tableRegex).toList();
  }

  /** Schemas holding at least one selected relation. */
  public static List<String> matchingSchemas(Connection c, List<String> tables) throws SQLException {
    return Jdbc.query(
        c,
        "SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
            + SELECTED
            + " ORDER BY 1",
        rs -> rs.getString(1),
        schemaRegexes(tables),
        tableRegexes(tables));
  }

  /** A selected table; {@code partitioned} tables hold their rows in their partitions. */
  public record Table(String schema, String name, boolean partitioned) {
    @Override
    public String toString() {
      return schema + "." + name;
    }
  }

  /**
   * The SQL condition that relation {@code c} in namespace {@code n} is streamed: selected by the
   * pipeline's {@code tables} and not by its {@code excludedTables}; takes the four text[] parameters
   * of {@link #streamedParams}.
   */
  static final String STREAMED =
      SELECTED + " AND NOT EXISTS (SELECT 1 FROM unnest(?::text[], ?::text[]) AS x(s, t) WHERE n.nspname ~ x.s AND c.relname ~ x.t)";

  /** The parameters of {@link #STREAMED}: no {@code tables} means every table, as pgstream streams them. */
  static Object[] streamedParams(List<String> tables, List<String> excluded) {
    List<String> selected = tables == null || tables.isEmpty() ? List.of("*.*") : tables;
    List<String> left = excluded == null ? List.of() : excluded;
    return new Object[] {schemaRegexes(selected), tableRegexes(selected), schemaRegexes(left), tableRegexes(left)};
  }

  /** The tables (not sequences or views) that {@code tables} select and {@code excluded} does not, as pgstream streams them. */
  public static List<Table> tables(Connection c, List<String> tables, List<String> excluded) throws SQLException {
    return Jdbc.query(
        c,
        "SELECT n.nspname, c.relname, c.relkind = 'p' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
            + STREAMED
            + " AND c.relkind IN ('r', 'p') ORDER BY 1, 2",
        rs -> new Table(rs.getString(1), rs.getString(2), rs.getBoolean(3)),
        streamedParams(tables, excluded));
  }

  /** Names are validated to letters, digits, _ $ - and *, so only $ needs escaping. */
  static String regex(String glob) {
    return "^" + glob.replace("$", "\\$").replace("*", ".*") + "$";
  }
}
