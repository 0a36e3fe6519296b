package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** How the initial copy is taken. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotSpec {
  /** pgstream 1.3.1's default (pkg/snapshot/generator/postgres/data/config.go:36-40). */
  public static final int DEFAULT_SCHEMA_WORKERS = 4;
  /**
   * Below pgstream's 4 readers and 8 COPY streams per table (config.go:36-40, cmd/config/config.go:22-25):
   * with 4 tables at once those are 16 readers and 32 COPY sessions, which on a 2-core machine contend
   * instead of copying; make bench-data measured the snapshot faster with 2 and 2 (results/bench-data.md).
   */
  public static final int DEFAULT_TABLE_WORKERS = 2;
  public static final int DEFAULT_COPY_WORKERS = 2;
  public static final int BULK_BATCH_SIZE = 20_000;
  /** pgstream's own cap on its snapshot reader's pool (max_connections), which the operator keeps. */
  public static final int MAX_SOURCE_CONNECTIONS = 50;

  @JsonPropertyDescription("full (schema and data), schema or data; full when omitted.")
  public SnapshotMode mode;

  public SchemaSnapshotSpec schema;

  @Min(1)
  @Max(64)
  @JsonPropertyDescription("Schemas copied in parallel; 1 when omitted.")
  public Integer workers;

  @Min(1)
  @Max(16)
  @JsonPropertyDescription(
      "Tables of one schema copied at the same time (pgstream snapshot.data.schema_workers); "
          + DEFAULT_SCHEMA_WORKERS + " when omitted. Each holds tableWorkers source connections.")
  public Integer schemaWorkers;

  @Min(1)
  @Max(16)
  @JsonPropertyDescription(
      "Source connections reading page ranges of one table at the same time (pgstream snapshot.data.table_workers); "
          + DEFAULT_TABLE_WORKERS + " when omitted.")
  public Integer tableWorkers;

  @Min(1)
  @Max(16)
  @JsonPropertyDescription(
      "COPY streams per table writing to the target with bulk ingest (pgstream target.postgres.bulk_ingest.copy_workers); "
          + DEFAULT_COPY_WORKERS + " when omitted. The snapshot's batches of " + BULK_BATCH_SIZE + " rows and 80 MiB are"
          + " split across them.")
  public Integer copyWorkers;

  @Size(max = 500)
  @JsonPropertyDescription(
      "Tables whose schema is copied without their rows, as schema.table (e.g. audit or log tables); needs snapshot"
          + " mode full or schema. Their rows do not stream either (pgstream modifiers.filter.schema_only_tables).")
  public List<@Pattern("^[A-Za-z0-9_*$-]+(\\.[A-Za-z0-9_*$-]+)?$") String> schemaOnlyTables;

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
      "Copy chosen tables again that the target already holds (after a damaged target table or a changed"
          + " transformer): a new value pauses streaming, empties their target copies, snapshots just them and"
          + " resumes streaming from the slot.")
  public ResnapshotSpec resnapshot;

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

  public int effectiveSchemaWorkers() {
    return schemaWorkers == null ? DEFAULT_SCHEMA_WORKERS : schemaWorkers;
  }

  public int effectiveTableWorkers() {
    return tableWorkers == null ? DEFAULT_TABLE_WORKERS : tableWorkers;
  }

  public int effectiveCopyWorkers() {
    return copyWorkers == null ? DEFAULT_COPY_WORKERS : copyWorkers;
  }

  public int effectiveWorkers() {
    return workers == null ? 1 : workers;
  }

  /**
   * The most source connections the data snapshot's reader opens at once: per snapshot worker one
   * connection holds the exported snapshot and each schema worker reads with tableWorkers connections
   * (pgstream 1.3.1 pg_snapshot_generator.go:165, 207, 229, 364), capped by its pool size; 0 when the
   * snapshot copies no data.
   */
  public int sourceConnections() {
    if (!effectiveMode().includesData()) {
      return 0;
    }
    long wanted = (long) effectiveWorkers() * (1 + (long) effectiveSchemaWorkers() * effectiveTableWorkers());
    return (int) Math.min(wanted, MAX_SOURCE_CONNECTIONS);
  }

  public PopulatedTargetPolicy effectivePopulatedTarget() {
    return populatedTarget == null ? PopulatedTargetPolicy.Refuse : populatedTarget;
  }

  /** pg_dump --clean drops the selected objects before the copy, so nothing copied before is in its way. */
  public boolean cleansTarget() {
    return effectiveMode().includesSchema() && schema != null && Boolean.TRUE.equals(schema.cleanTargetDb);
  }

  public SnapshotMode effectiveMode() {
    return mode == null ? SnapshotMode.FULL : mode;
  }
}
