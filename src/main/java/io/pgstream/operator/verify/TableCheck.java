package io.pgstream.operator.verify;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The comparison of one table, range by range. The source is read first and cut into ranges of
 * {@code chunkRows} rows by its primary key (keyset pagination); the target is read over the same
 * ranges after it has applied everything the source read saw. Rows inserted on the source since then
 * fall beyond the last range and are left to the next verification, so a table that keeps growing
 * does not look different. A range that differs is read again, source then target, a few times
 * before it counts: a row changed while it was compared settles. Each side bounds the ranges with
 * its own key comparisons, so a text key collated differently on the target shows up as a difference.
 */
final class TableCheck {
  /** A key range (after, upTo], with what each side last read of it; both bounds null for a one-pass table. */
  private static final class KeyRange {
    final List<String> after;
    final List<String> upTo;
    Slice source;
    Slice target;

    KeyRange(List<String> after, List<String> upTo) {
      this.after = after;
      this.upTo = upTo;
    }

    boolean matches() {
      return source.sameRows(target);
    }
  }

  private final TableShape shape;
  private final RangeReader reader;
  private final int chunkRows;
  private final List<KeyRange> ranges = new ArrayList<>();
  private List<KeyRange> rereading = List.of();
  private int rereads;

  TableCheck(TableShape shape, RangeReader reader, int chunkRows) {
    this.shape = shape;
    this.reader = reader;
    this.chunkRows = chunkRows;
  }

  /** The first pass over the source, which fixes the ranges. A table missing on the target is not read. */
  void readSource(Connection source) throws SQLException {
    if (!shape.onTarget()) {
      return;
    }
    if (!shape.chunked()) {
      KeyRange all = new KeyRange(null, null);
      all.source = read(source, null, null, null);
      ranges.add(all);
      return;
    }
    List<String> after = null;
    while (true) {
      Slice chunk = read(source, after, null, chunkRows);
      if (chunk.rows() == 0) {
        return;
      }
      KeyRange range = new KeyRange(after, chunk.lastKey());
      range.source = chunk;
      ranges.add(range);
      if (chunk.rows() < chunkRows) {
        return;
      }
      after = chunk.lastKey();
    }
  }

  /** The first pass over the target, once it has applied what {@link #readSource} saw. */
  void readTarget(Connection source, Connection target) throws SQLException {
    for (KeyRange range : ranges) {
      range.target = read(target, range.after, range.upTo, null);
    }
    if (shape.onTarget() && shape.chunked()) {
      readTargetTail(source, target);
    }
  }

  /**
   * Rows the target has beyond the source's last key: inserted on the source after it was read (then
   * the source, never behind the target, has them too) or extra. Each chunk of them becomes a range,
   * read on the target first and then on the source.
   */
  private void readTargetTail(Connection source, Connection target) throws SQLException {
    List<String> after = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1).upTo;
    while (true) {
      Slice chunk = read(target, after, null, chunkRows);
      if (chunk.rows() == 0) {
        return;
      }
      KeyRange range = new KeyRange(after, chunk.lastKey());
      range.target = chunk;
      range.source = read(source, after, chunk.lastKey(), null);
      ranges.add(range);
      if (chunk.rows() < chunkRows) {
        return;
      }
      after = chunk.lastKey();
    }
  }

  boolean differs() {
    return ranges.stream().anyMatch(r -> !r.matches());
  }

  /** Reads the differing ranges on the source again; the target follows once it has caught up. */
  void rereadSource(Connection source) throws SQLException {
    rereading = ranges.stream().filter(r -> !r.matches()).toList();
    rereads++;
    for (KeyRange range : rereading) {
      range.source = read(source, range.after, range.upTo, null);
    }
  }

  void rereadTarget(Connection target) throws SQLException {
    for (KeyRange range : rereading) {
      range.target = read(target, range.after, range.upTo, null);
    }
  }

  TableResult result() {
    String table = shape.table().toString();
    if (!shape.onTarget()) {
      return new TableResult(table, null, null, null, null, 0, false, "missing on the target");
    }
    Slice source = ranges.stream().map(r -> r.source).reduce(Slice.EMPTY, Slice::plus);
    Slice target = ranges.stream().map(r -> r.target).reduce(Slice.EMPTY, Slice::plus);
    long differing = ranges.stream().filter(r -> !r.matches()).count();
    List<String> detail = new ArrayList<>();
    if (differing > 0) {
      String what = source.rows() != target.rows() ? "row counts differ" : "same row count, checksums differ";
      detail.add(
          shape.chunked()
              ? "%s in %d of %d key ranges".formatted(what, differing, ranges.size())
              : what);
      if (rereads > 0) {
        detail.add("still after " + rereads + " re-comparisons");
      }
    }
    if (!shape.chunked()) {
      detail.add("no primary key on both sides: compared in one pass");
    }
    // A column the target lacks is data that did not arrive: a difference, not a detail.
    if (!shape.onlyOnSource().isEmpty()) {
      detail.add("columns missing on the target: " + String.join(", ", shape.onlyOnSource()));
    }
    if (!shape.transformed().isEmpty()) {
      detail.add("columns transformed by spec.transformations, not compared: " + String.join(", ", shape.transformed()));
    }
    if (!shape.onlyOnTarget().isEmpty()) {
      detail.add("columns only on the target, not compared: " + String.join(", ", shape.onlyOnTarget()));
    }
    return new TableResult(
        table,
        source.rows(),
        target.rows(),
        hex(source.checksum()),
        hex(target.checksum()),
        ranges.size(),
        differing == 0 && shape.onlyOnSource().isEmpty(),
        detail.isEmpty() ? null : String.join("; ", detail));
  }

  private static String hex(BigInteger checksum) {
    return checksum.toString(16);
  }

  /** A read that names its table when it fails (a statement timeout, a missing privilege). */
  private Slice read(Connection c, List<String> after, List<String> upTo, Integer limit) throws SQLException {
    try {
      return reader.read(c, shape, after, upTo, limit);
    } catch (SQLException e) {
      throw new SQLException(shape.table() + ": " + e.getMessage(), e.getSQLState(), e);
    }
  }
}
