package io.pgstream.operator.verify;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Counts and checksums the rows of one key range of a table, in one read-only transaction with a
 * statement timeout. A plain SELECT takes only ACCESS SHARE, which blocks no writer; lock_timeout keeps
 * it from queueing behind a waiting DDL statement (and the writers queued behind that).
 *
 * <p>The checksum is the sum, as numeric (sum of bigint is numeric in PostgreSQL, so it never
 * overflows), of the first 64 bits of the md5 of each row's text form {@code ROW(col, ...)::text}:
 * a sum does not depend on the order rows are read in, and sums of ranges add up to the sum of the
 * table, so chunks and one pass agree. The record's text form quotes an empty string ({@code ""}) and
 * leaves NULL empty, so the two differ. md5 is used as a fingerprint, not for security.
 */
final class RangeReader {
  /**
   * Value-to-text settings for both sides, so the same value prints the same on servers with other
   * defaults (time zone, date and interval style, float digits, bytea format).
   */
  private static final List<String> TEXT_FORM =
      List.of(
          "SET LOCAL TimeZone = 'UTC'",
          "SET LOCAL DateStyle = 'ISO, YMD'",
          "SET LOCAL IntervalStyle = 'postgres'",
          "SET LOCAL extra_float_digits = 1",
          "SET LOCAL bytea_output = 'hex'",
          "SET LOCAL lock_timeout = '5s'");

  private final Duration statementTimeout;

  RangeReader(Duration statementTimeout) {
    this.statementTimeout = statementTimeout;
  }

  /**
   * The rows with key after {@code after} (null: from the first) up to and including {@code upTo}
   * (null: to the last), at most {@code limit} of them in key order (null: all). A table read in one
   * pass (no usable key) takes nulls for all three.
   */
  Slice read(Connection c, TableShape shape, List<String> after, List<String> upTo, Integer limit) throws SQLException {
    String rowText =
        "ROW(" + shape.compared().stream().map(col -> "t." + col.quoted()).collect(Collectors.joining(", ")) + ")::text";
    String hash = "('x' || left(md5(" + rowText + "), 16))::bit(64)::bigint";
    List<String> params = new ArrayList<>();
    String sql;
    if (!shape.chunked()) {
      sql = "SELECT count(*), coalesce(sum(" + hash + "), 0) FROM " + shape.from() + " t";
    } else {
      String keyColumns = shape.key().stream().map(col -> "t." + col.quoted()).collect(Collectors.joining(", "));
      String keyParams = shape.key().stream().map(col -> "CAST(? AS " + col.type() + ")").collect(Collectors.joining(", "));
      List<String> where = new ArrayList<>();
      if (after != null) {
        where.add("(" + keyColumns + ") > (" + keyParams + ")");
        params.addAll(after);
      }
      if (upTo != null) {
        where.add("(" + keyColumns + ") <= (" + keyParams + ")");
        params.addAll(upTo);
      }
      String lastKey = shape.key().stream().map(col -> "last." + col.quoted() + "::text").collect(Collectors.joining(", "));
      String descending = shape.key().stream().map(col -> col.quoted() + " DESC").collect(Collectors.joining(", "));
      sql =
          "WITH chunk AS (SELECT "
              + keyColumns
              + ", "
              + hash
              + " AS row_hash FROM "
              + shape.from()
              + " t"
              + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
              + " ORDER BY "
              + keyColumns
              + (limit == null ? "" : " LIMIT " + limit)
              + ") SELECT (SELECT count(*) FROM chunk), (SELECT coalesce(sum(row_hash), 0) FROM chunk), "
              + lastKey
              + " FROM (SELECT 1) one LEFT JOIN (SELECT * FROM chunk ORDER BY "
              + descending
              + " LIMIT 1) last ON true";
    }
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (Statement st = c.createStatement()) {
        st.execute("SET TRANSACTION READ ONLY");
        st.execute("SET LOCAL statement_timeout = " + statementTimeout.toMillis());
        for (String setting : TEXT_FORM) {
          st.execute(setting);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < params.size(); i++) {
          ps.setString(i + 1, params.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          long rows = rs.getLong(1);
          BigDecimal sum = rs.getBigDecimal(2);
          List<String> last = null;
          if (shape.chunked() && rows > 0) {
            last = new ArrayList<>();
            for (int i = 0; i < shape.key().size(); i++) {
              last.add(rs.getString(3 + i));
            }
          }
          return new Slice(rows, sum.toBigIntegerExact(), last);
        }
      }
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
    }
  }
}
