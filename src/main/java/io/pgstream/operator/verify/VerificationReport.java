package io.pgstream.operator.verify;

import java.util.List;

/**
 * The result of comparing every selected table.
 *
 * @param lsn the source WAL position of the last comparison, which the target had applied up to
 */
public record VerificationReport(String lsn, List<TableResult> tables) {
  public List<TableResult> mismatched() {
    return tables.stream().filter(t -> !t.match()).toList();
  }
}
