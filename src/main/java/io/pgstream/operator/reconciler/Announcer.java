package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Events and log lines for what a reconcile changed: a new phase, and a problem appearing, changing or clearing. */
final class Announcer {
  private static final Logger LOG = LoggerFactory.getLogger(Announcer.class);
  private final EventRecorder events;

  Announcer(EventRecorder events) {
    this.events = events;
  }

  void announce(PgstreamPipeline p, PgstreamPipelineStatus before, PgstreamPipelineStatus after) {
    if (after.phase != before.phase && after.phase != Phase.Failed) {
      String message =
          StatusUpdater.condition(after, ConditionType.Ready).map(c -> c.getMessage()).orElse(after.phase.name());
      events.normal(p, after.phase.name(), message);
      LOG.info("{}/{}: phase {} -> {}", p.getMetadata().getNamespace(), p.getMetadata().getName(), before.phase, after.phase);
    }
    if (StatusUpdater.transitioned(before, after, ConditionType.ReconcilePaused)) {
      StatusUpdater.condition(after, ConditionType.ReconcilePaused)
          .ifPresentOrElse(
              c -> events.warning(p, "ReconcilePaused", c.getMessage()),
              () -> events.normal(p, "ReconcileResumed", "Annotation pgstream.io/reconcile-paused removed: the operator acts on this pipeline again"));
    }
    if (StatusUpdater.transitioned(before, after, ConditionType.Degraded)) {
      StatusUpdater.condition(after, ConditionType.Degraded)
          .ifPresent(
              c -> {
                if ("True".equals(c.getStatus())) {
                  events.warning(p, c.getReason(), c.getMessage());
                  LOG.warn("{}/{}: {}", p.getMetadata().getNamespace(), p.getMetadata().getName(), c.getReason());
                } else if (StatusUpdater.condition(before, ConditionType.Degraded).isPresent()) {
                  events.normal(p, "Recovered", "The earlier problem is resolved");
                }
              });
    }
  }
}
