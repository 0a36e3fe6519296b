package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The replication slot as last measured. Sizes are rounded so that status changes, and is written,
 * only when they move noticeably; exact bytes are in the Prometheus gauges.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// Earlier versions listed the unclaimed slots' names here; a status they wrote must still be read.
@JsonIgnoreProperties("unclaimedSlots")
public class SlotStatus {
  /** {@link #state} of a slot a successful check did not find: lost (failover, switchover, drop). */
  public static final String MISSING = "Missing";

  /** Healthy, Missing, LagHigh or WalLost. */
  public String state;
  public Boolean active;
  /** WAL pgstream has not confirmed yet, e.g. "12 MiB". */
  public String lag;
  /** WAL the slot keeps on the source's disk. */
  public String retainedWal;
  public String walStatus;
  /**
   * How many inactive pgstream-like slots in the source database no PgstreamPipeline uses; never
   * dropped. Only a count: the names are other pipelines' (and other namespaces'); the operator's log
   * names them for the database's administrators.
   */
  public Integer unclaimedSlotCount;
}
