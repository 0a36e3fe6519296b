package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/** How the initial copy is taken. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotSpec {
  @JsonPropertyDescription("full (schema and data), schema or data; full when omitted.")
  public SnapshotMode mode;

  public SchemaSnapshotSpec schema;

  @Min(1)
  @Max(64)
  @JsonPropertyDescription("Schemas copied in parallel; 1 when omitted.")
  public Integer workers;

  @Size(max = 63)
  @JsonPropertyDescription(
      "A completed snapshot is never repeated. Change this value to ask for a new snapshot of the same pipeline.")
  public String nonce;

  @Size(max = 63)
  @JsonPropertyDescription(
      "A new value copies just the tables the last snapshot did not (condition SnapshotStale names them; until then"
          + " they do not stream): streaming pauses, the snapshot of those tables runs (never cleanTargetDb;"
          + " populatedTarget applies to their target copies), streaming resumes from the slot.")
  public String backfill;

  @JsonPropertyDescription(
      "When the selected target tables already hold rows: Refuse (default) starts no snapshot and names them;"
          + " Truncate empties them (TRUNCATE as the target login, no CASCADE) just before every snapshot the operator"
          + " starts, also after the pipeline is re-created. Only target copies of tables the source selects count.")
  public PopulatedTargetPolicy populatedTarget;

  @JsonPropertyDescription(
      "true (default): copy with COPY (bulk ingest), fast. false: write row by row with INSERT, slower, but it carries"
          + " timetz, money and composite values, which pgstream " + PgstreamVersion.SUPPORTED + "'s COPY cannot write"
          + " (it retries forever); see the type matrix in the README.")
  public Boolean bulkIngest;

  public boolean effectiveBulkIngest() {
    return !Boolean.FALSE.equals(bulkIngest);
  }

  public PopulatedTargetPolicy effectivePopulatedTarget() {
    return populatedTarget == null ? PopulatedTargetPolicy.Refuse : populatedTarget;
  }

  public SnapshotMode effectiveMode() {
    return mode == null ? SnapshotMode.FULL : mode;
  }
}
