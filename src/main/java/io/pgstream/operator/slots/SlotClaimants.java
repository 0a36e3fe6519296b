package io.pgstream.operator.slots;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one rule for "this slot is another pipeline's": asked by the preflight (never adopt it), by the
 * restoration of lost slot records (never take it over) and by deletion and abandoned-slot handling
 * (never drop it). Slot names are unique per server, so another pipeline's record counts when it names
 * the slot on the same server, in either state: an abandoned slot kept by Retain is still its.
 */
public final class SlotClaimants {
  private SlotClaimants() {}

  /**
   * The other pipelines (never {@code self}) that record slot {@code name} on the server at {@code
   * host}:{@code port} (or with the system identifier {@code systemIdentifier}, when both sides know
   * one), by namespaced name.
   */
  public static List<PgstreamPipeline> of(
      PgstreamPipeline self, String name, String host, Integer port, String systemIdentifier, Collection<PgstreamPipeline> all) {
    return all.stream()
        .filter(o -> !sameResource(self, o))
        .filter(o -> records(o).stream().anyMatch(r -> name.equals(r.name) && sameServer(r, host, port, systemIdentifier)))
        .sorted(Comparator.comparing(PgstreamPipeline::namespacedName))
        .toList();
  }

  /** Its slot records; a status written before slot records names its one slot once init ran, where its spec points. */
  private static List<SlotRecord> records(PgstreamPipeline o) {
    PgstreamPipelineStatus st = o.getStatus();
    if (st == null) {
      return List.of();
    }
    if (st.slotsCreated != null && !st.slotsCreated.isEmpty()) {
      return st.slotsCreated;
    }
    if (st.replicationSlot == null || st.init == null || o.getSpec() == null || o.getSpec().source == null) {
      return List.of();
    }
    SlotRecord r = new SlotRecord();
    r.name = st.replicationSlot;
    r.host = o.getSpec().source.host;
    r.port = o.getSpec().source.effectivePort();
    r.database = o.getSpec().source.database;
    return List.of(r);
  }

  private static boolean sameServer(SlotRecord r, String host, Integer port, String systemIdentifier) {
    if (r.systemIdentifier != null && systemIdentifier != null) {
      return r.systemIdentifier.equals(systemIdentifier);
    }
    return r.host != null && r.host.equalsIgnoreCase(host) && Objects.equals(portOf(r.port), portOf(port));
  }

  private static int portOf(Integer port) {
    return Optional.ofNullable(port).orElse(5432);
  }

  private static boolean sameResource(PgstreamPipeline a, PgstreamPipeline b) {
    String uid = a.getMetadata().getUid();
    if (uid != null && b.getMetadata().getUid() != null) {
      return uid.equals(b.getMetadata().getUid());
    }
    return Objects.equals(a.getMetadata().getNamespace(), b.getMetadata().getNamespace())
        && Objects.equals(a.getMetadata().getName(), b.getMetadata().getName());
  }
}
