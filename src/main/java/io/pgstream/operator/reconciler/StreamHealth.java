package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.logs.PgstreamLog;
import java.util.Collection;
import java.util.Optional;

/**
 * Why the streaming pod is not serving: pgstream exits instead of running. With strict mode a write
 * the target rejects stops pgstream, and each restart replays the same change from the slot and
 * stops again; that is the safe state (nothing skipped), and it must be visible.
 */
final class StreamHealth {
  record Problem(String reason, String message) {}

  private StreamHealth() {}

  static Optional<Problem> problem(KubernetesClient client, PgstreamPipeline p, String slot, Collection<String> secretValues) {
    return PodTerminations.currentFailure(PipelinePods.streaming(client, p)).map(f -> describe(f, slot, secretValues));
  }

  private static Problem describe(PodTerminations.Failure f, String slot, Collection<String> secretValues) {
    String error = JobStates.shown(f.error(), secretValues);
    if (PgstreamLog.stoppedOnRejectedWrite(f.error())) {
      return new Problem(
          "WriteRejected",
          ("pgstream run stopped on a write the target rejected (strict mode): %s. Nothing after it was applied: that change"
                  + " and all later ones wait in slot %s, and pgstream retries it at every restart. Fix: make the target accept"
                  + " it (a duplicate key: remove the conflicting target row; a constraint or type error: align the target table"
                  + " with the source); or set spec.target.strictMode: false to drop such writes, leaving the target different"
                  + " from the source.")
              .formatted(error, slot));
    }
    return new Problem(
        "StreamCrashing",
        ("pgstream run exits (exit code %d: %s). It is restarted with back-off and resumes from slot %s, so nothing is lost, but nothing"
                + " is applied until the cause is fixed.")
            .formatted(f.exitCode(), error, slot));
  }
}
