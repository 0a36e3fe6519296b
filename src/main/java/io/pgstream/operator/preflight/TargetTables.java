package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The target's copies of the selected tables, as the target login sees them: which already hold
 * rows, and emptying them before a snapshot when the spec asks for it.
 */
public final class TargetTables {
  private TargetTables() {}

  /** Selected, not excluded, ordinary and partitioned tables of the target that hold at least one row, as "schema"."table". */
  public static List<String> populated(Connection c, PgstreamPipelineSpec spec) throws SQLException {
    List<String> tables =
        Jdbc.query(
            c,
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                + TableSelection.SELECTED
                + " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                + " AND NOT EXISTS (SELECT 1 FROM unnest(?::text[]) AS x(name)"
                + "   WHERE x.name IN (n.nspname || '.' || c.relname, CASE WHEN n.nspname = 'public' THEN c.relname END))"
                + " ORDER BY 1",
            rs -> rs.getString(1),
            TableSelection.schemaRegexes(spec.tables),
            TableSelection.tableRegexes(spec.tables),
            spec.excludedTables == null ? List.of() : spec.excludedTables);
    List<String> populated = new ArrayList<>();
    for (String table : tables) {
      // EXISTS stops at the first row: no full scan of a large table.
      if (Jdbc.isTrue(c, "SELECT EXISTS (SELECT 1 FROM " + table + ")")) {
        populated.add(table);
      }
    }
    return populated;
  }

  /**
   * Empties {@code tables} in one statement, without CASCADE: a table outside the selection that
   * references one of them makes it fail rather than lose rows nobody asked to lose.
   */
  public static void truncate(Connection c, List<String> tables) throws SQLException {
    if (tables.isEmpty()) {
      return;
    }
    try (Statement st = c.createStatement()) {
      st.execute("TRUNCATE TABLE " + String.join(", ", tables));
    }
  }
}
