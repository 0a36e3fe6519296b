package io.pgstream.operator.slots;

/**
 * One replication slot of a source database as pg_replication_slots shows it.
 *
 * @param lagBytes WAL not yet confirmed by the consumer (current LSN minus confirmed_flush_lsn)
 * @param retainedBytes WAL the slot keeps on the source's disk (current LSN minus restart_lsn)
 */
public record SlotRow(String name, String plugin, boolean active, String walStatus, long lagBytes, long retainedBytes) {
  /** Looks like a pgstream slot: plugin wal2json, or named pgstream_*. */
  public boolean pgstreamLike() {
    return "wal2json".equals(plugin) || name.startsWith("pgstream_");
  }
}
