package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.status.EventRecorder;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Warnings that stand until something changes (a destroy that failed, a slot that cannot be dropped)
 * and would otherwise be repeated on every reconcile: each is written once per pipeline (by UID, so a
 * re-created pipeline of the same name hears it again) until the pipeline is forgotten.
 */
final class Notices {
  private final EventRecorder events;
  private final Map<String, Set<String>> told = new ConcurrentHashMap<>();

  Notices(EventRecorder events) {
    this.events = events;
  }

  void warnOnce(PgstreamPipeline p, String reason, String message) {
    if (told.computeIfAbsent(key(p), uid -> ConcurrentHashMap.newKeySet()).add(reason + "\n" + message)) {
      events.warning(p, reason, message);
    }
  }

  void forget(PgstreamPipeline p) {
    told.remove(key(p));
  }

  private static String key(PgstreamPipeline p) {
    return Objects.requireNonNullElse(p.getMetadata().getUid(), p.namespacedName());
  }
}
