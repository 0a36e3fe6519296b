package io.pgstream.operator.verify;

import io.pgstream.operator.preflight.Jdbc;
import io.pgstream.operator.preflight.TableSelection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A table as both sides have it: the columns compared (those present on both, in the source's order,
 * less those the pipeline's transformation rules change on the way), the source's primary key (the
 * order ranges are read in), and the columns only one side has.
 */
record TableShape(
    TableSelection.Table table,
    boolean onTarget,
    List<Column> compared,
    List<Column> key,
    List<String> onlyOnSource,
    List<String> onlyOnTarget,
    List<String> transformed) {

  /** A column and its type as format_type prints it (the cast that turns a key's text back into a value). */
  record Column(String name, String type, boolean inKey, int keyPosition) {
    String quoted() {
      return Jdbc.ident(name);
    }
  }

  /**
   * @param transformed the columns the pipeline's rules transform: their target values differ by design,
   *     so they are left out of the comparison (a transformed key column makes the table one pass)
   */
  static TableShape read(Connection source, Connection target, TableSelection.Table table, Set<String> transformed)
      throws SQLException {
    List<Column> sourceColumns = columns(source, table);
    List<Column> targetColumns = columns(target, table);
    Map<String, Column> onTarget = targetColumns.stream().collect(Collectors.toMap(Column::name, Function.identity()));
    List<String> sourceNames = sourceColumns.stream().map(Column::name).toList();
    List<Column> compared =
        sourceColumns.stream().filter(c -> onTarget.containsKey(c.name()) && !transformed.contains(c.name())).toList();
    List<Column> key = new ArrayList<>(sourceColumns.stream().filter(Column::inKey).toList());
    key.sort((a, b) -> Integer.compare(a.keyPosition(), b.keyPosition()));
    return new TableShape(
        table,
        !targetColumns.isEmpty(),
        compared,
        List.copyOf(key),
        sourceColumns.stream().map(Column::name).filter(n -> !onTarget.containsKey(n)).toList(),
        targetColumns.stream().map(Column::name).filter(n -> !sourceNames.contains(n)).toList(),
        sourceNames.stream().filter(transformed::contains).toList());
  }

  /** Keyset pagination needs the key on both sides; without it the table is read in one pass. */
  boolean chunked() {
    return !key.isEmpty() && compared.containsAll(key);
  }

  /** The relation for FROM: a partitioned table's rows are in its partitions, so ONLY is left off for it. */
  String from() {
    String name = Jdbc.ident(table.schema()) + "." + Jdbc.ident(table.name());
    return table.partitioned() ? name : "ONLY " + name;
  }

  /** The table's columns in order, empty when the table does not exist on this side. */
  private static List<Column> columns(Connection c, TableSelection.Table table) throws SQLException {
    return Jdbc.query(
        c,
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), coalesce(k.position, 0)
          FROM pg_attribute a
          LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
          LEFT JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) ON k.attnum = a.attnum
         WHERE a.attrelid = to_regclass(format('%I.%I', ?, ?)) AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum
        """,
        rs -> new Column(rs.getString(1), rs.getString(2), rs.getInt(3) > 0, rs.getInt(3)),
        table.schema(),
        table.name());
  }
}
