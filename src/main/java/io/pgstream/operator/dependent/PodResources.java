package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.pgstream.operator.api.PgstreamPipeline;

/**
 * Requests and limits of the pgstream containers when spec.resources is omitted, so no generated pod
 * is BestEffort (the first one the kubelet evicts; a stalled consumer grows WAL on the source).
 *
 * <p>pgstream's writer queues up to 100 MiB (target.batch.maxQueueBytes) and builds batches of up
 * to 1.5 MiB (maxBytes) on top of a Go runtime of some tens of MiB: 256Mi covers the steady state, and
 * the 1Gi limit a full queue plus a parallel snapshot's per-table batches with room to spare, while
 * still stopping a leak before it takes the node. CPU gets a request (100m: pgstream mostly waits on
 * the databases) and no limit, because a throttled consumer only adds lag.
 */
public final class PodResources {
  static final ResourceRequirements DEFAULT =
      new ResourceRequirementsBuilder()
          .addToRequests("cpu", new Quantity("100m"))
          .addToRequests("memory", new Quantity("256Mi"))
          .addToLimits("memory", new Quantity("1Gi"))
          .build();
  /** /tmp holds at most pg_dump's schema files; the limit keeps a runaway writer off the node's disk. */
  static final Quantity TMP_SIZE_LIMIT = new Quantity("1Gi");

  private PodResources() {}

  public static ResourceRequirements of(PgstreamPipeline p) {
    return p.getSpec().resources != null ? p.getSpec().resources : DEFAULT;
  }
}
