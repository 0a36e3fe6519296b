package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The database changes are written to, and how pgstream writes them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TargetSpec extends ConnectionSpec {
  @JsonPropertyDescription(
      "Set session_replication_role=replica while writing. Needs superuser or rds_superuser on the target; false when omitted.")
  public Boolean disableTriggers;

  @JsonPropertyDescription(
      "What to do when an inserted row already exists: error or nothing. When omitted: error, except that a"
          + " snapshot_and_replication pipeline uses nothing until streaming has passed the position where its snapshot"
          + " ended (inserts made between init and the snapshot are copied and then replayed). update is refused: pgstream " + PgstreamVersion.SUPPORTED + " applies it only with its injector,"
          + " which the operator does not run.")
  public OnConflictAction onConflictAction;

  @JsonPropertyDescription(
      "Stop streaming when the target rejects a write (constraint, type or DDL failure), so nothing is skipped;"
          + " true when omitted. false: pgstream drops the write, advances past it and logs it, and the pipeline"
          + " reports the dropped writes.")
  public Boolean strictMode;

  @JsonPropertyDescription(
      "Do not apply schema changes (DDL) captured on the source while streaming; false when omitted. The target's"
          + " tables must then be changed by hand before the source's new columns arrive.")
  public Boolean ignoreDdl;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "Maximum connections pgstream opens to the target. Read only by pgstream 1.4 and later: refused while the"
          + " operator runs pgstream " + PgstreamVersion.SUPPORTED + ".")
  public Integer maxConnections;

  public BatchSpec batch;

  public boolean effectiveStrictMode() {
    return !Boolean.FALSE.equals(strictMode);
  }
}
