package io.pgstream.operator.preflight;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Small JDBC helpers: parameterised queries and probes that always roll back. */
public final class Jdbc {
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private Jdbc() {}

  public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i] instanceof Collection<?> list ? textArray(c, list) : params[i]);
      }
      List<T> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(mapper.map(rs));
        }
      }
      return rows;
    }
  }

  public static <T> Optional<T> one(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    return query(c, sql, mapper, params).stream().findFirst();
  }

  /** Whether a one-column boolean query answers true. */
  public static boolean isTrue(Connection c, String sql, Object... params) throws SQLException {
    return one(c, sql, rs -> rs.getBoolean(1), params).orElse(false);
  }

  /** A nullable boolean column. */
  static Boolean bool(ResultSet rs, String column) throws SQLException {
    return bool(rs, rs.findColumn(column));
  }

  static Boolean bool(ResultSet rs, int column) throws SQLException {
    boolean value = rs.getBoolean(column);
    return rs.wasNull() ? null : value;
  }

  /**
   * Runs statements in a transaction that is always rolled back, so the probe leaves nothing behind.
   *
   * @return empty when every statement was allowed, else the database's error
   */
  static Optional<SQLException> probe(Connection c, String... statements) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (var st = c.createStatement()) {
      for (String sql : statements) {
        st.execute(sql);
      }
      return Optional.empty();
    } catch (SQLException refused) {
      return Optional.of(refused);
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
    }
  }

  /** An SQL identifier, always quoted (mixed case, spaces, quotes). */
  public static String ident(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  private static Array textArray(Connection c, Collection<?> values) throws SQLException {
    return c.createArrayOf("text", values.toArray());
  }
}
