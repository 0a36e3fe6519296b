package io.pgstream.operator.config;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import java.util.List;
import java.util.Optional;

/**
 * The replication slot a pipeline uses. It reads the pipeline's recorded status as well as its spec
 * (as the renderer already does for the replay window): status is the only place that knows which
 * slot the pipeline already streams from, and the resource as read at the start of a reconcile is
 * the same for every caller, so the renderer, the checks and the slot watch agree on one name.
 */
public final class ReplicationSlots {
  /** PostgreSQL truncates identifiers at 63 bytes; a truncated name could collide silently. */
  static final int MAX_LENGTH = 63;

  private static final int HASH_LENGTH = 8;

  private ReplicationSlots() {}

  /**
   * The explicit slot; else the slot the pipeline recorded as its current one (a name from an older
   * operator is kept, so a new naming rule never looks like a slot change, which would be a gap);
   * else {@link #defaultName}.
   */
  public static String slotFor(PgstreamPipeline pipeline) {
    String explicit = pipeline.getSpec().replicationSlot;
    if (explicit != null && !explicit.isEmpty()) {
      return explicit;
    }
    return recorded(pipeline.getStatus())
        .orElseGet(() -> defaultName(pipeline.getMetadata().getNamespace(), pipeline.getMetadata().getName()));
  }

  /**
   * The Current record's name; before any record exists (a status written by an operator without
   * records) status.replicationSlot. Once records exist and none is Current, the old slot was
   * abandoned and the pipeline takes a fresh default.
   */
  static Optional<String> recorded(PgstreamPipelineStatus status) {
    if (status == null) {
      return Optional.empty();
    }
    List<SlotRecord> records = status.slotsCreated == null ? List.of() : status.slotsCreated;
    if (records.isEmpty()) {
      return Optional.ofNullable(status.replicationSlot).filter(s -> !s.isEmpty());
    }
    return records.stream().filter(r -> r.state == SlotRecordState.Current && r.name != null).map(r -> r.name).findFirst();
  }

  /**
   * {@code pgstream_<namespace>_<name>_<8 hex of sha256(namespace/name)>}: unlike pgstream's own
   * default ({@code pgstream_<db>_slot}) it does not collide when two pipelines read one database,
   * and the hash keeps it injective where sanitising does not ({@code team-a/orders} and
   * {@code team/a-orders}, {@code orders.v2} and {@code orders-v2}). Cut to 63 characters with
   * the hash kept.
   */
  public static String defaultName(String namespace, String name) {
    String suffix = "_" + Hashes.sha256Hex(namespace + "/" + name).substring(0, HASH_LENGTH);
    String base = ("pgstream_" + namespace + "_" + name).toLowerCase().replaceAll("[^a-z0-9_]", "_");
    return base.substring(0, Math.min(base.length(), MAX_LENGTH - suffix.length())) + suffix;
  }
}
