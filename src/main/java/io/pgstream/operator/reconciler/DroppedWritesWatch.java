package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.pgstream.operator.api.DroppedWritesStatus;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.logs.PgstreamLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * With strict mode off, pgstream drops a write the target rejects and only logs it. v1.3.1 has no
 * metrics endpoint (its dropped-queries counter is pushed over OTLP only), so the operator reads the
 * streaming container's log for {@code severity: DATALOSS} records, from where it last read.
 */
final class DroppedWritesWatch {
  /** One read is bounded; a pod that logs more between two looks is read in part. */
  static final int MAX_LOG_BYTES = 8 * 1024 * 1024;

  private final Clock clock;
  /** Per pipeline: the container read and how far. An operator restart reads the container's log whole once. */
  private final Map<String, Read> reads = new ConcurrentHashMap<>();

  private record Read(String container, Instant until) {}

  DroppedWritesWatch(Clock clock) {
    this.clock = clock;
  }

  /** The updated count; {@code previous} when nothing new was dropped or there is no container to read. */
  DroppedWritesStatus observe(KubernetesClient client, PgstreamPipeline p, DroppedWritesStatus previous) {
    Optional<Pod> pod = PipelinePods.current(PipelinePods.streaming(client, p));
    Optional<String> container = pod.map(DroppedWritesWatch::containerId);
    if (container.isEmpty()) {
      return previous;
    }
    String key = p.namespacedName();
    Read last = reads.get(key);
    Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
    PodResource resource = client.pods().inNamespace(p.getMetadata().getNamespace()).withName(pod.get().getMetadata().getName());
    boolean sameContainer = previous != null && container.get().equals(previous.container);
    long added = 0;
    String log;
    try {
      if (previous != null && previous.container != null && !sameContainer && samePod(previous.container, container.get())) {
        // The container restarted: its previous instance may have dropped more after the last read.
        String earlier = resource.inContainer(PgstreamPods.CONTAINER).terminated().getLog();
        added += newSince(PgstreamLog.droppedWrites(earlier == null ? "" : earlier), previous.containerCount);
      }
      var logs = resource.inContainer(PgstreamPods.CONTAINER).limitBytes(MAX_LOG_BYTES);
      // Overlapping reads are harmless: pgstream's count is a running total, only its rise is added.
      log = last != null && last.container().equals(container.get())
          ? logs.sinceTime(last.until().minus(Duration.ofSeconds(1)).toString()).getLog()
          : logs.getLog();
    } catch (KubernetesClientException e) {
      // A container not started yet has no log; the next look reads it.
      return previous;
    }
    log = log == null ? "" : log;
    // Continue from the last record read, not from now: a read cut at MAX_LOG_BYTES goes on next time.
    reads.put(key, new Read(container.get(), PgstreamLog.lastTimestamp(log).map(t -> t.truncatedTo(ChronoUnit.SECONDS)).orElse(now)));
    OptionalLong running = PgstreamLog.droppedWrites(log);
    added += newSince(running, sameContainer ? previous.containerCount : null);
    if (added == 0) {
      return previous;
    }
    DroppedWritesStatus next = new DroppedWritesStatus();
    next.total = (previous == null || previous.total == null ? 0 : previous.total) + added;
    next.container = container.get();
    next.containerCount = running.orElse(0);
    next.lastDroppedAt = now.toString();
    return next;
  }

  private static long newSince(OptionalLong running, Long seen) {
    long before = seen == null ? 0 : seen;
    return running.isPresent() && running.getAsLong() > before ? running.getAsLong() - before : 0;
  }

  private static boolean samePod(String a, String b) {
    return a.substring(0, a.lastIndexOf('/')).equals(b.substring(0, b.lastIndexOf('/')));
  }

  void forget(PgstreamPipeline p) {
    reads.remove(p.namespacedName());
  }

  /** pod/restartCount: pgstream's running count starts again with every container. */
  private static String containerId(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(cs -> PgstreamPods.CONTAINER.equals(cs.getName()))
        .findFirst()
        .map(ContainerStatus::getRestartCount)
        .map(restarts -> pod.getMetadata().getName() + "/" + restarts)
        .orElse(null);
  }
}
