package io.pgstream.operator.preflight;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.slots.SlotClaimants;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whose a replication slot of the pipeline's name is, as the pipelines' recorded status says: an
 * existing slot is the pipeline's own only if it recorded it, and a slot another pipeline recorded
 * is never taken over (two consumers on one slot each lose the other's changes).
 *
 * @param own this pipeline recorded the slot (so it may be active: its own consumer)
 * @param otherPipeline another PgstreamPipeline that recorded it on the same server, as a tenant may
 *     read it ("PgstreamPipeline ns/name" in the same namespace, else only that it is in another
 *     namespace; the operator's log names it), or null
 */
public record SlotClaim(boolean own, String otherPipeline) {
  private static final Logger LOG = LoggerFactory.getLogger(SlotClaim.class);

  /** Nothing recorded: a pipeline file without status, or a pipeline before its first init. */
  public static final SlotClaim NONE = new SlotClaim(false, null);

  public static final SlotClaim OWN = new SlotClaim(true, null);

  /**
   * @param initDone the pipeline's init succeeded for its current source and slot (what an operator
   *     without slot records knew)
   * @param pipelines every PgstreamPipeline the operator knows (itself included, skipped)
   */
  public static SlotClaim of(PgstreamPipeline self, String slot, boolean initDone, Collection<PgstreamPipeline> pipelines) {
    boolean own = initDone || records(self.getStatus()).stream().anyMatch(r -> r.state == SlotRecordState.Current && slot.equals(r.name));
    ConnectionSpec source = self.getSpec().source;
    Optional<PgstreamPipeline> other = SlotClaimants.of(self, slot, source.host, source.effectivePort(), null, pipelines).stream().findFirst();
    return new SlotClaim(own, other.map(q -> describe(self, q, slot)).orElse(null));
  }

  /** Other namespaces' pipelines are not named to a tenant (as unclaimed slots are only counted). */
  private static String describe(PgstreamPipeline self, PgstreamPipeline other, String slot) {
    if (Objects.equals(self.getMetadata().getNamespace(), other.getMetadata().getNamespace())) {
      return "PgstreamPipeline " + other.namespacedName();
    }
    LOG.info("{}: replication slot {} is recorded by {}", self.namespacedName(), slot, other.namespacedName());
    return "a PgstreamPipeline in another namespace (the operator's log names it)";
  }

  private static List<SlotRecord> records(PgstreamPipelineStatus status) {
    return status == null || status.slotsCreated == null ? List.of() : status.slotsCreated;
  }
}
