package io.pgstream.operator.preflight;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The target's copies of the tables a snapshot copies, as the target login sees them: which already
 * hold rows, and emptying them before a snapshot when the spec asks for it. Only tables the source
 * selects count: a table that exists only on the target is none of the pipeline's business.
 */
public final class TargetTables {
  private TargetTables() {}

  /** Of {@code sourceTables} (from {@link TableSelection#tables} on the source), those whose target copy holds a row, as "schema"."table". */
  public static List<String> populated(Connection target, List<TableSelection.Table> sourceTables) throws SQLException {
    List<String> populated = new ArrayList<>();
    for (TableSelection.Table t : sourceTables) {
      Optional<String> name =
          Jdbc.one(
              target,
              "SELECT format('%I.%I', ?::text, ?::text) WHERE to_regclass(format('%I.%I', ?::text, ?::text)) IS NOT NULL",
              rs -> rs.getString(1),
              t.schema(),
              t.name(),
              t.schema(),
              t.name());
      // EXISTS stops at the first row: no full scan of a large table.
      if (name.isPresent() && Jdbc.isTrue(target, "SELECT EXISTS (SELECT 1 FROM " + name.get() + ")")) {
        populated.add(name.get());
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
