package io.pgstream.operator.slots;

import java.util.List;

/**
 * The pipeline's replication slot as the source reports it.
 *
 * @param exists whether the slot is there at all
 * @param lagBytes WAL not yet confirmed by pgstream (current LSN minus confirmed_flush_lsn)
 * @param retainedBytes WAL the slot keeps on the source's disk (current LSN minus restart_lsn)
 * @param unclaimed inactive pgstream-like slots in the same database that no PgstreamPipeline uses
 */
public record SlotHealth(
    boolean exists, boolean active, long lagBytes, long retainedBytes, String walStatus, List<String> unclaimed) {}
