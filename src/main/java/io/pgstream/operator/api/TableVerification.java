package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One table's comparison: counts and an order-independent checksum of the replicated columns. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TableVerification {
  public String table;
  public Long sourceRows;
  public Long targetRows;
  public Boolean match;
  /** Why it does not match (counts, checksum, table missing), without row data. */
  public String detail;
}
