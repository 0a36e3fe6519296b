package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.PgstreamPipeline;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a pipeline start a reconcile: what generation-aware processing lets through (a
 * new generation, deletion, finalizers) plus a new value of pgstream.io/retry, pgstream.io/abort,
 * pgstream.io/restart or pgstream.io/reconcile-paused,
 * which are annotations and do not change the generation, and a status someone erased (the operator
 * always writes a phase): its slot records must be restored before anything needs them. The
 * operator's own status writes do not.
 */
public class SpecOrVerbChanged implements OnUpdateFilter<PgstreamPipeline> {
  @Override
  public boolean accept(PgstreamPipeline updated, PgstreamPipeline old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || updated.getMetadata().getDeletionTimestamp() != null
        || !Objects.equals(updated.getMetadata().getFinalizers(), old.getMetadata().getFinalizers())
        || !Objects.equals(verb(updated, Annotations.RETRY), verb(old, Annotations.RETRY))
        || !Objects.equals(verb(updated, Annotations.ABORT), verb(old, Annotations.ABORT))
        || !Objects.equals(verb(updated, Annotations.RESTART), verb(old, Annotations.RESTART))
        || !Objects.equals(verb(updated, Annotations.RECONCILE_PAUSED), verb(old, Annotations.RECONCILE_PAUSED))
        || phase(old) != null && phase(updated) == null;
  }

  private static Object phase(PgstreamPipeline p) {
    return p.getStatus() == null ? null : p.getStatus().phase;
  }

  private static String verb(PgstreamPipeline p, String key) {
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
