package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.status.EventRecorder;
import java.util.Objects;

/**
 * An edit of the transformation rules after rows reached the target (the TRANSFORMATIONS row of the
 * phase table). The config carries the new rules, so a running step finishes with the old ones and
 * streaming rolls onto the new ones; what this adds is the Warning that rows already on the target
 * keep the masking they were written with, and the way out: a new snapshot.
 */
final class TransformationsChange {
  static final String REASON = "TransformationsChanged";

  private TransformationsChange() {}

  /** Records the rules now rendered in status, with a Warning Event when they differ from the last ones and rows were copied. */
  static void record(PgstreamPipeline p, PgstreamPipelineStatus st, RenderedConfig config, EventRecorder events) {
    String before = st.transformationsHash;
    String now = config.transformationsHash();
    st.transformationsHash = now;
    // Rows are on the target once the snapshot succeeded, or, without a snapshot, once streaming could start.
    boolean rowsCopied = succeeded(st.snapshot) || (!p.getSpec().mode.snapshots() && succeeded(st.init));
    if (Objects.equals(before, now) || !rowsCopied) {
      return;
    }
    String message =
        now == null
            ? "The transformation rules were removed: rows written from now on reach the target as they are on the source;"
                + " rows already there keep their masking."
            : "The transformation rules changed: rows written from now on follow the new rules (streaming rolls onto"
                + " them), while rows already on the target keep the masking they were written with"
                + (before == null ? " (none: they were copied before there were rules)." : ".");
    events.warning(p, REASON, message + " To rewrite every row with the current rules, set spec.snapshot.nonce to a new value.");
  }

  private static boolean succeeded(StepStatus step) {
    return step != null && step.state == StepState.Succeeded;
  }
}
