package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import java.util.Map;
import java.util.Objects;

/**
 * The user's verbs on a pipeline's steps: a new value of pgstream.io/retry re-runs a failed step,
 * a new value of pgstream.io/abort stops a running one. Each value acts once; status records the
 * last one handled, so a value left in place never acts again.
 */
final class StepVerbs {
  private StepVerbs() {}

  static boolean retryRequested(PgstreamPipeline p, PgstreamPipelineStatus st) {
    return fresh(annotation(p, Annotations.RETRY), st.retryHandled);
  }

  static boolean abortRequested(PgstreamPipeline p, PgstreamPipelineStatus st) {
    return fresh(annotation(p, Annotations.ABORT), st.abortHandled);
  }

  /**
   * Called once the steps were looked at: a value present then was acted on, or found nothing to act
   * on (no failed step to retry, no running one to stop), and must not act on a later step.
   */
  static void settle(PgstreamPipeline p, PgstreamPipelineStatus st) {
    String retry = annotation(p, Annotations.RETRY);
    String abort = annotation(p, Annotations.ABORT);
    // Suspended, no failed step re-runs: a new retry value waits for the pipeline to run again.
    if (retry != null && !p.getSpec().suspended()) {
      st.retryHandled = retry;
    }
    if (abort != null) {
      st.abortHandled = abort;
    }
  }

  private static boolean fresh(String value, String handled) {
    return value != null && !Objects.equals(value, handled);
  }

  private static String annotation(PgstreamPipeline p, String key) {
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
