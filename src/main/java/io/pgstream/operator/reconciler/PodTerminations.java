package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.pgstream.operator.logs.PgstreamLog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How a pgstream container last ended, from its pod's status. The termination message is the tail of
 * pgstream's log (FallbackToLogsOnError), which carries row data: only pgstream's last error, with
 * values redacted, is passed on.
 */
final class PodTerminations {
  /**
   * The kubelet's cap on a log tail used as termination message (MaxContainerTerminationMessageLogLength):
   * a message this long was cut from a longer log, most likely within its first line.
   */
  static final int KUBELET_LOG_TAIL_BYTES = 2048;

  /** A non-zero exit of a pgstream container; {@code error} is pgstream's last error, redacted, when it logged one. */
  record Failure(int exitCode, String error) {
    String describe() {
      return "exit code " + exitCode + ": " + error;
    }
  }

  private PodTerminations() {}

  /** The current pod's failure: its container's present or, while it restarts, last termination. */
  static Optional<Failure> currentFailure(List<Pod> pods) {
    return PipelinePods.current(pods).flatMap(PodTerminations::failure);
  }

  private static Optional<Failure> failure(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      for (ContainerStateTerminated t : terminations(cs)) {
        if (t.getExitCode() != null && t.getExitCode() != 0) {
          String error = PgstreamLog.summary(wholeLines(t.getMessage())).orElse(Objects.toString(t.getReason(), "no message"));
          return Optional.of(new Failure(t.getExitCode(), error));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The message without a first line the kubelet cut: its start (say {@code Key (email)=(}) is what
   * marks the rest as row data, so a partial line could pass a value on.
   */
  static String wholeLines(String message) {
    if (message == null || message.getBytes(StandardCharsets.UTF_8).length < KUBELET_LOG_TAIL_BYTES) {
      return message;
    }
    int end = message.indexOf('\n');
    return end < 0 ? "" : message.substring(end + 1);
  }

  private static List<ContainerStateTerminated> terminations(ContainerStatus cs) {
    return Stream.of(cs.getState(), cs.getLastState())
        .filter(Objects::nonNull)
        .map(s -> s.getTerminated())
        .filter(Objects::nonNull)
        .toList();
  }
}
