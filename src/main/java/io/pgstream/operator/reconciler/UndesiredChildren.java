package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.lifecycle.Child;
import io.pgstream.operator.lifecycle.PhaseTable;
import io.pgstream.operator.lifecycle.Stage;

/**
 * Removes the children {@link PhaseTable#desiredChildren} does not want in a stage. Only the
 * streaming Deployment can outlive its stage (a snapshot-only pipeline, a blocked one); the steps'
 * Jobs are the step runner's, and they stay for their logs.
 */
final class UndesiredChildren {
  private final Dependents children;

  UndesiredChildren(Dependents children) {
    this.children = children;
  }

  void remove(PgstreamPipeline p, Context<PgstreamPipeline> ctx, Stage stage) {
    boolean wanted = PhaseTable.desiredChildren(stage, p.getSpec().mode.replicates()).contains(Child.STREAMING_DEPLOYMENT);
    if (!wanted) {
      children.removeDeployment(p, ctx);
    }
  }
}
