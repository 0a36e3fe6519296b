package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import java.util.Map;

/**
 * The emergency brake, pgstream.io/reconcile-paused: "true". While it is set a reconcile changes
 * nothing of the pipeline (no child created, updated or deleted, no database or AWS call, no slot
 * dropped, no slot watch) and only says so in condition ReconcilePaused; a deletion waits, since it
 * would stop the stream and drop slots. Removing it resumes as after an operator restart.
 */
final class ReconcilePause {
  static final String REASON = "AnnotationSet";

  private ReconcilePause() {}

  static boolean paused(PgstreamPipeline p) {
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    return annotations != null && "true".equalsIgnoreCase(annotations.get(Annotations.RECONCILE_PAUSED));
  }

  /** The one status change a paused reconcile makes; the generation stays unobserved, so edits show as pending. */
  static void hold(PgstreamPipeline p, StatusUpdater s) {
    s.status().observedGeneration = s.before().observedGeneration;
    boolean deleting = p.getMetadata().getDeletionTimestamp() != null;
    String message =
        "Reconciling is paused (annotation " + Annotations.RECONCILE_PAUSED + ": true): the operator creates, updates and"
            + " deletes nothing of this pipeline (its Deployment " + Children.deployment(p) + " and Jobs stay as they are),"
            + " calls no database or AWS API, drops no slot and does not measure it; spec edits wait, and the other"
            + " conditions are as it left them."
            + (deleting
                ? " The deletion waits too: it would stop the stream and drop or name the slots. Remove the annotation to let it"
                    + " finish."
                : " Remove the annotation to resume.");
    String reason = deleting ? "DeletionWaits" : REASON;
    boolean said =
        StatusUpdater.condition(s.before(), ConditionType.ReconcilePaused)
            .filter(c -> reason.equals(c.getReason()) && message.equals(c.getMessage()))
            .isPresent();
    if (!said) {
      // Said once: an edit while paused must not rewrite it with the new generation as if acted on.
      s.set(ConditionType.ReconcilePaused, true, reason, message);
    }
  }

  /** Not paused: the condition goes. */
  static void lift(StatusUpdater s) {
    s.remove(ConditionType.ReconcilePaused);
  }
}
