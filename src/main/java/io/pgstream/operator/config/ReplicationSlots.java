package io.pgstream.operator.config;

import io.pgstream.operator.api.PgstreamPipeline;

/** The replication slot a pipeline uses. */
public final class ReplicationSlots {
  /** PostgreSQL truncates identifiers at 63 bytes; a truncated name could collide silently. */
  static final int MAX_LENGTH = 63;

  private ReplicationSlots() {}

  /**
   * The explicit slot, or {@code pgstream_<namespace>_<name>}: unlike pgstream's own default
   * ({@code pgstream_<db>_slot}) it does not collide when two pipelines read one database.
   */
  public static String slotFor(PgstreamPipeline pipeline) {
    String explicit = pipeline.getSpec().replicationSlot;
    if (explicit != null && !explicit.isEmpty()) {
      return explicit;
    }
    String base =
        ("pgstream_" + pipeline.getMetadata().getNamespace() + "_" + pipeline.getMetadata().getName())
            .toLowerCase()
            .replaceAll("[^a-z0-9_]", "_");
    if (base.length() <= MAX_LENGTH) {
      return base;
    }
    String suffix = "_" + Hashes.sha256Hex(base).substring(0, 8);
    return base.substring(0, MAX_LENGTH - suffix.length()) + suffix;
  }
}
