package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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

  static String completionTime(Job job) {
    return job.getStatus() == null ? null : job.getStatus().getCompletionTime();
  }

  /**
   * The failed container's termination message (with FallbackToLogsOnError, the tail of its log),
   * else the Job's own Failed condition.
   */
  static String failureMessage(KubernetesClient client, Job job) {
    List<Pod> pods =
        client
            .pods()
            .inNamespace(job.getMetadata().getNamespace())
            .withLabel("job-name", job.getMetadata().getName())
            .list()
            .getItems();
    Optional<String> fromPod =
        pods.stream()
            .sorted(Comparator.comparing((Pod p) -> Objects.toString(p.getMetadata().getCreationTimestamp(), "")).reversed())
            .map(JobStates::terminated)
            .flatMap(Optional::stream)
            .findFirst();
    String message =
        fromPod.orElseGet(
            () ->
                condition(job, "Failed")
                    .map(c -> c.getReason() + ": " + c.getMessage())
                    .orElse("Job failed without a message"));
    return tail(message.strip());
  }

  private static Optional<String> terminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      ContainerStateTerminated t = cs.getState() == null ? null : cs.getState().getTerminated();
      if (t != null && t.getExitCode() != null && t.getExitCode() != 0) {
        String detail = t.getMessage() == null || t.getMessage().isBlank() ? t.getReason() : t.getMessage();
        return Optional.of("exit code " + t.getExitCode() + ": " + detail);
      }
    }
    return Optional.empty();
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
