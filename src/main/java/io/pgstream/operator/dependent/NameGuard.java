package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import java.net.HttpURLConnection;
import java.util.function.Supplier;

/**
 * Refuses to create over an object the pipeline does not own. Informers only see labelled objects,
 * so an unrelated Secret with the same name is invisible to them. The create itself refuses an
 * existing object (a plain create, or JOSDK's server-side apply pinned to a new object), so only its
 * 409 costs a read, to tell the user whose object is in the way; a create that succeeds reads nothing.
 */
final class NameGuard {
  private NameGuard() {}

  static <R extends HasMetadata> R create(
      Supplier<R> create, R desired, PgstreamPipeline owner, Context<PgstreamPipeline> ctx) {
    try {
      return create.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        refuseForeign(desired, owner, ctx);
      }
      throw e;
    }
  }

  /** An object of ours in the way (the informer has not shown it yet) leaves the conflict to the retry. */
  private static <R extends HasMetadata> void refuseForeign(R desired, PgstreamPipeline owner, Context<PgstreamPipeline> ctx) {
    HasMetadata existing = ctx.getClient().resource(desired).get();
    if (existing == null) {
      return;
    }
    boolean ours =
        existing.getMetadata().getOwnerReferences() != null
            && existing.getMetadata().getOwnerReferences().stream()
                .anyMatch(r -> owner.getMetadata().getUid() != null && owner.getMetadata().getUid().equals(r.getUid()));
    if (!ours) {
      throw new NameConflictException(
          "%s %s/%s already exists and is not owned by this pipeline; rename the pipeline or that object"
              .formatted(desired.getKind(), desired.getMetadata().getNamespace(), desired.getMetadata().getName()));
    }
  }
}
