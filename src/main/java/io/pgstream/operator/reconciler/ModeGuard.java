package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import java.util.Optional;

/**
 * spec.mode is fixed at creation (the CRD's CEL rule refuses an edit). A stored object the rule never
 * saw (written before the rule, or by a server that runs no CEL) with another mode than the one
 * recorded blocks with ModeChanged, and the streaming Deployment goes: a snapshot-only pipeline must
 * not go on consuming the slot, and the slot stays recorded, so nothing is lost or forgotten.
 */
final class ModeGuard {
  static final String REASON = "ModeChanged";
  private final Dependents children;

  ModeGuard(Dependents children) {
    this.children = children;
  }

  /** Records the mode the pipeline first runs with; blocks when spec.mode differs from it. */
  Optional<Outcome> check(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s) {
    PgstreamPipelineStatus st = s.status();
    if (st.mode == null) {
      st.mode = p.getSpec().mode;
    }
    if (st.mode == p.getSpec().mode) {
      return Optional.empty();
    }
    children.removeDeployment(p, ctx);
    String message =
        ("spec.mode is %s, but this pipeline was created with mode %s; the mode of a pipeline cannot change."
                + " Streaming is stopped (Deployment %s removed); the pipeline's slots stay recorded. Set spec.mode back"
                + " to %s, or create a new pipeline with the new mode (and delete this one).")
            .formatted(name(p.getSpec().mode), name(st.mode), Children.deployment(p), name(st.mode));
    s.phase(Phase.Failed);
    s.set(ConditionType.Streaming, false, REASON, message);
    Blocking.blocked(s, REASON, message);
    return Optional.of(Outcome.onChange());
  }

  private static String name(Enum<?> mode) {
    return mode.name().toLowerCase();
  }
}
