package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The replication slot as last measured. Sizes are rounded so that status changes, and is written,
 * only when they move noticeably; exact bytes are in the Prometheus gauges.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SlotStatus {
  /** Healthy, Missing, LagHigh or WalLost. */
  public String state;
  public Boolean active;
  /** WAL pgstream has not confirmed yet, e.g. "12 MiB". */
  public String lag;
  /** WAL the slot keeps on the source's disk. */
  public String retainedWal;
  public String walStatus;
  /** Inactive wal2json slots in the source database that no PgstreamPipeline uses; never dropped. */
  public List<String> unclaimedSlots;
}
