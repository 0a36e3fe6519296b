package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;

/**
 * Writes a pipeline's status whole, with optimistic locking, and puts the result in the informer's
 * cache, so the next reconcile, whatever triggers it, starts from this status and neither repeats an
 * Event nor writes the same status again.
 *
 * <p>Whole on every path: server-side apply where the API server has it, else PUT. A JSON patch is a
 * diff against the cached status, and applied to a status someone erased meanwhile it leaves only the
 * changed fields, a status without a phase. A conflict (the pipeline changed since this reconcile
 * read it: a spec edit, an erased status) re-reads the pipeline from the API server and writes the
 * status on top of it; the reconcile the change triggers then decides again. JOSDK's own retry polls
 * its cache instead, up to 10 s when the cache has nothing newer (a conflict it has not seen yet).
 */
final class StatusWriter {
  static final int ATTEMPTS = 3;

  private StatusWriter() {}

  static void write(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus status) {
    boolean ssa = ctx.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource();
    PgstreamPipeline base = p;
    for (int attempt = 1; ; attempt++) {
      try {
        PgstreamPipeline written = ssa ? apply(base, status, ctx) : put(base, status, ctx);
        ctx.eventSourceRetriever()
            .getControllerEventSource()
            .handleRecentResourceUpdate(ResourceID.fromResource(p), written, base);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) {
          throw e;
        }
        base = ctx.getClient().resources(PgstreamPipeline.class).inNamespace(p.getMetadata().getNamespace())
            .withName(p.getMetadata().getName()).get();
        if (base == null) {
          return; // deleted meanwhile: no status to write
        }
      }
    }
  }

  /** A new object: a failed write must leave the reconciled one as it was, for updateErrorStatus to compare with. */
  private static PgstreamPipeline put(PgstreamPipeline base, PgstreamPipelineStatus status, Context<PgstreamPipeline> ctx) {
    PgstreamPipeline written = new PgstreamPipeline();
    written.setMetadata(new ObjectMetaBuilder(base.getMetadata()).build());
    written.setSpec(base.getSpec());
    written.setStatus(status);
    return ctx.getClient().resource(written).updateStatus();
  }

  private static PgstreamPipeline apply(PgstreamPipeline base, PgstreamPipelineStatus status, Context<PgstreamPipeline> ctx) {
    PgstreamPipeline fresh = new PgstreamPipeline();
    fresh.setMetadata(
        new ObjectMetaBuilder()
            .withName(base.getMetadata().getName())
            .withNamespace(base.getMetadata().getNamespace())
            .withResourceVersion(base.getMetadata().getResourceVersion())
            .build());
    fresh.setStatus(status);
    return ctx.getClient()
        .resource(fresh)
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withForce(true)
                .withFieldManager(ctx.getControllerConfiguration().fieldManager())
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .build());
  }
}
