package io.pgstream.operator.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wal2json arguments that make the source decode only the tables a pipeline streams
 * ({@code source.postgres.replication.plugin.add_tables}/{@code filter_tables}, passed by pgstream
 * 1.3.1 as wal2json's add-tables/filter-tables when streaming starts, pkg/wal/replication/postgres/
 * pg_replication_handler.go:128-133). They repeat pgstream's own table filter (modifiers.filter) one
 * step earlier, so each list must select exactly what that filter lets through, never less: a table
 * wal2json leaves out is lost to the pipeline.
 *
 * <p>wal2json's rules (its README, "filter-tables"): comma-separated schema.table, {@code *} as a whole
 * part is a wildcard, a literal space, quote, comma, period or asterisk is escaped with a backslash,
 * names are case-sensitive. pgstream's filter reads a bare name as public.name and matches exactly,
 * {@code *} as a whole part being its wildcard too (internal/postgres/schema_table_map.go:38-49, 115-125).
 * Table names of the CRD hold none of the special characters but the asterisk; a name with an
 * asterisk inside a part ("lines*") is left to pgstream's filter: no add_tables then.
 *
 * <p>pgstream's DDL travels as logical messages (pg_logical_emit_message, migrations/postgres/core/2_...up.sql),
 * which wal2json filters only by message prefix, never by table: no table of schema pgstream needs listing.
 */
final class DecodeFilter {
  private DecodeFilter() {}

  /**
   * @param streamed the tables streaming includes (modifiers.filter.include_tables), or null/empty
   * @param excluded the tables streaming excludes when it includes everything else
   * @param schemaOnly tables whose rows pgstream's filter drops unless an exact include entry names them
   * @return add_tables and filter_tables, each only when it narrows what is decoded
   */
  static Map<String, Object> pluginArguments(List<String> streamed, List<String> excluded, List<String> schemaOnly) {
    Map<String, Object> plugin = new LinkedHashMap<>();
    List<String> add = new ArrayList<>();
    List<String> filter = new ArrayList<>();
    if (streamed != null && !streamed.isEmpty()) {
      List<String> named = streamed.stream().map(DecodeFilter::qualified).toList();
      if (named.stream().noneMatch(q -> q.equals("*.*") || partialWildcard(q))) {
        add.addAll(named);
      }
      for (String table : schemaOnly) {
        String q = qualified(table);
        // A wildcard could cover a table an exact include entry still streams: pgstream's filter decides those.
        if (!q.contains("*") && !named.contains(q)) {
          filter.add(q);
        }
      }
    } else if (excluded != null) {
      excluded.forEach(t -> filter.add(qualified(t)));
    }
    if (!add.isEmpty()) {
      plugin.put("add_tables", String.join(",", add));
    }
    if (!filter.isEmpty()) {
      plugin.put("filter_tables", String.join(",", filter));
    }
    return plugin;
  }

  /** schema.table, a bare name being public's as pgstream reads it. */
  private static String qualified(String table) {
    return table.contains(".") ? table : "public." + table;
  }

  private static boolean partialWildcard(String qualifiedTable) {
    int dot = qualifiedTable.indexOf('.');
    String schema = qualifiedTable.substring(0, dot);
    String table = qualifiedTable.substring(dot + 1);
    return (schema.contains("*") && !schema.equals("*")) || (table.contains("*") && !table.equals("*"));
  }
}
