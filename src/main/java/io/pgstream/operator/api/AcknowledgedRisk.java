package io.pgstream.operator.api;

/**
 * Preflight findings about data fidelity that block a pipeline unless the spec accepts them by name
 * in {@code spec.acknowledge}. Each is a known way the target can differ from the source.
 */
public enum AcknowledgedRisk {
  /** Selected tables whose updates and deletes pgstream cannot apply (no primary key, no usable replica identity). */
  TablesWithoutReplicaIdentity,
  /** Selected columns whose values the supported pgstream version does not carry exactly. */
  InexactTypes
}
