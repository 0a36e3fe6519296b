package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.credentials.Redactor;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Reads what a finished Job says about itself. */
final class JobStates {
  /** Status messages stay short; the end of pgstream's log says why it failed. */
  static final int MAX_MESSAGE = 1024;

  private JobStates() {}

  static boolean succeeded(Job job) {
    return hasCondition(job, "Complete")
        || (job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0);
  }

  static boolean failed(Job job) {
    return hasCondition(job, "Failed");
  }

  /** The Job ran past its activeDeadlineSeconds. */
  /** Succeeded or failed: its pods run no more. */
  static boolean finished(Job job) {
    return succeeded(job) || failed(job);
  }

  static boolean timedOut(Job job) {
    return condition(job, "Failed").map(c -> "DeadlineExceeded".equals(c.getReason())).orElse(false);
  }

  /** A pod failure rule failed the Job: for a step Job, a pod lost to a drain or eviction that may not restart. */
  static boolean failedByPodFailurePolicy(Job job) {
    return condition(job, "Failed").map(c -> "PodFailurePolicy".equals(c.getReason())).orElse(false);
  }

  static String completionTime(Job job) {
    return job.getStatus() == null ? null : job.getStatus().getCompletionTime();
  }

  /**
   * pgstream's last error from the failed container (its termination message is the tail of its log),
   * else the Job's own Failed condition; whole, for redaction before {@link #tail}.
   */
  static String failureMessage(KubernetesClient client, Job job) {
    List<Pod> pods = PipelinePods.ofJob(client, job.getMetadata().getNamespace(), job.getMetadata().getName());
    String message =
        PodTerminations.currentFailure(pods)
            .map(PodTerminations.Failure::describe)
            .orElseGet(
                () ->
                    condition(job, "Failed")
                        .map(c -> c.getReason() + ": " + c.getMessage())
                        .orElse("Job failed without a message"));
    return message.strip();
  }

  /**
   * A failure's text as status and Events show it: credentials redacted in the whole text, then cut to
   * its end, since a cut made first could leave part of a password that no longer matches.
   */
  static String shown(String message, Collection<String> secretValues) {
    return tail(Redactor.redact(message, secretValues));
  }

  private static String tail(String message) {
    return message.length() <= MAX_MESSAGE ? message : "…" + message.substring(message.length() - MAX_MESSAGE);
  }

  private static boolean hasCondition(Job job, String type) {
    return condition(job, type).isPresent();
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }
}
