package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.PipelineContext;
import io.pgstream.operator.status.EventRecorder;
import java.util.Map;
import java.util.Optional;

/**
 * pgstream.io/restart (PhaseTable RESTART_STREAMING): a new value rolls the streaming Deployment once. The
 * pod template carries the last value handled, so a value left in place, or the annotation removed, rolls
 * nothing. Only where the Deployment is reconciled: while nothing streams (suspended, a step running, a
 * gate blocking) a new value waits, and the Deployment created later carries it without a second roll.
 */
final class StreamRestart {
  private final EventRecorder events;

  StreamRestart(EventRecorder events) {
    this.events = events;
  }

  /**
   * Records a new value and hands the pod template its value; announced when a running Deployment rolls for
   * it (after a lost status, pods that carry it already do not roll).
   */
  void apply(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st, Optional<Deployment> running) {
    String asked = asked(p);
    if (asked != null && !asked.equals(st.restartHandled)) {
      st.restartHandled = asked;
      if (running.isPresent() && !asked.equals(carried(running.get()))) {
        events.normal(p, "StreamingRestarted", "Annotation " + Annotations.RESTART + " is " + asked + ": Deployment "
            + Children.deployment(p) + " rolls (strategy Recreate: the old pod stops before the new one starts) and"
            + " resumes from the slot");
      }
    }
    PipelineContext.restart(ctx, st.restartHandled);
  }

  private static String asked(PgstreamPipeline p) {
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Annotations.RESTART);
  }

  private static String carried(Deployment d) {
    Map<String, String> annotations = d.getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Annotations.RESTART);
  }
}
