package io.pgstream.operator.api;

/**
 * What a snapshot does when the selected target tables already hold rows (a re-snapshot by nonce, or
 * a target filled by other means). A bulk snapshot copies with COPY, which cannot upsert: into a
 * populated table it fails on the first duplicate key.
 */
public enum PopulatedTargetPolicy {
  /** The snapshot does not start; a condition names the tables that hold rows. */
  Refuse,
  /** The operator empties the selected target tables (TRUNCATE, as the target login) just before the snapshot. */
  Truncate
  // No upsert: pgstream 1.3.1 adds ON CONFLICT DO UPDATE only when its injector supplies the key columns,
  // which the operator does not run, so an "upsert" snapshot fails on the first existing row (ResnapshotE2E).
}
