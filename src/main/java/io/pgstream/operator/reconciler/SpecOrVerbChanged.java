package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.PgstreamPipeline;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a pipeline start a reconcile: what generation-aware processing lets through (a
 * new generation, deletion, finalizers) plus a new value of pgstream.io/retry or pgstream.io/abort,
 * which are annotations and do not change the generation. The operator's own status writes do not.
 */
public class SpecOrVerbChanged implements OnUpdateFilter<PgstreamPipeline> {
  @Override
  public boolean accept(PgstreamPipeline updated, PgstreamPipeline old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || updated.getMetadata().getDeletionTimestamp() != null
        || !Objects.equals(updated.getMetadata().getFinalizers(), old.getMetadata().getFinalizers())
        || !Objects.equals(verb(updated, Annotations.RETRY), verb(old, Annotations.RETRY))
        || !Objects.equals(verb(updated, Annotations.ABORT), verb(old, Annotations.ABORT));
  }

  private static String verb(PgstreamPipeline p, String key) {
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
