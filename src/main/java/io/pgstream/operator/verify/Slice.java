package io.pgstream.operator.verify;

import java.math.BigInteger;
import java.util.List;

/**
 * What one read of a key range found: the row count, the checksum, and the last key read (null when
 * no row was read). Counts and checksums of disjoint ranges add up to those of their union.
 */
record Slice(long rows, BigInteger checksum, List<String> lastKey) {
  static final Slice EMPTY = new Slice(0, BigInteger.ZERO, null);

  Slice plus(Slice next) {
    return new Slice(rows + next.rows, checksum.add(next.checksum), next.lastKey == null ? lastKey : next.lastKey);
  }

  /** Same rows and checksum; the last key does not matter. */
  boolean sameRows(Slice other) {
    return other != null && rows == other.rows && checksum.equals(other.checksum);
  }
}
