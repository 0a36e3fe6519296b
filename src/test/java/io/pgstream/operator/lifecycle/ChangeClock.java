package io.pgstream.operator.lifecycle;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pgstream.operator.api.PgstreamPipeline;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each namespace last changed (pipelines, Jobs, Deployments, pods), from four watches shared by
 * every lane: a lane waits for quiet without polling the API server, which with two dozen lanes
 * would cost more than the operator itself.
 */
final class ChangeClock implements AutoCloseable {
  private record Seen(long changes, long lastNanos) {}

  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final List<Watch> watches;

  ChangeClock(KubernetesClient client) {
    watches =
        List.of(
            client.resources(PgstreamPipeline.class).inAnyNamespace().watch(watcher()),
            client.batch().v1().jobs().inAnyNamespace().watch(watcher()),
            client.apps().deployments().inAnyNamespace().watch(watcher()),
            client.pods().inAnyNamespace().watch(watcher()));
  }

  private <T extends HasMetadata> Watcher<T> watcher() {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        seen.merge(resource.getMetadata().getNamespace(), new Seen(1, System.nanoTime()), (a, b) -> new Seen(a.changes() + 1, b.lastNanos()));
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  /** How many changes the namespaces have seen so far. */
  long changes(Collection<String> namespaces) {
    return namespaces.stream().map(seen::get).filter(s -> s != null).mapToLong(Seen::changes).sum();
  }

  /** Milliseconds since the last change in any of the namespaces. */
  long quietMillis(Collection<String> namespaces) {
    long last = namespaces.stream().map(seen::get).filter(s -> s != null).mapToLong(Seen::lastNanos).max().orElse(0);
    return (System.nanoTime() - last) / 1_000_000;
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
