package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/** The result of the last verification the spec asked for. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VerificationStatus {
  /** The spec.verification.request this result answers. */
  public String request;
  public VerificationState state;
  public String completedAt;
  /** The source WAL position the comparison was taken at (the target had applied everything before it). */
  public String lsn;
  public String message;
  public Integer mismatchedTables;
  public List<TableVerification> tables = new ArrayList<>();
}
