package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;

/**
 * Refuses to create over an object the pipeline does not own. Informers only see labelled objects,
 * so an unrelated Secret with the same name is invisible to them, and a forced server-side apply
 * would silently take it over. Runs only on create, so a steady state costs no extra request.
 */
final class NameGuard {
  private NameGuard() {}

  static <R extends HasMetadata> void ensureFree(R desired, PgstreamPipeline owner, Context<PgstreamPipeline> ctx) {
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
