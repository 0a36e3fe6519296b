package io.pgstream.operator.verify;

/**
 * One table's comparison. Counts and checksums cover the columns both sides have; {@code detail} says
 * why it does not match (or what was compared differently), never with row data.
 *
 * @param ranges the key ranges compared (1 for a table read in one pass)
 */
public record TableResult(
    String table, Long sourceRows, Long targetRows, String sourceChecksum, String targetChecksum, int ranges, boolean match, String detail) {}
