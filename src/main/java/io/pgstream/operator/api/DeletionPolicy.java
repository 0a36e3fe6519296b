package io.pgstream.operator.api;

/** What happens to the replication slot and pgstream's schema on the source when the pipeline is deleted. */
public enum DeletionPolicy {
  /** Leave the slot and the pgstream schema on the source (they keep retaining WAL until dropped). */
  Retain,
  /** Run {@code pgstream destroy}: drop the slot and the pgstream schema. Application data is never touched. */
  Delete
}
