package io.pgstream.operator.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.logs.RowValues;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events about a pipeline, which {@code kubectl describe} shows; an Event that repeats
 * one just written for the same pipeline is left out ({@link EventDeduplicator}).
 */
public class EventRecorder {
  public static final String COMPONENT = "pgstream-operator";
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final EventDeduplicator recent = new EventDeduplicator();

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(PgstreamPipeline p, String reason, String message) {
    record(p, "Normal", reason, message);
  }

  public void warning(PgstreamPipeline p, String reason, String message) {
    record(p, "Warning", reason, message);
  }

  private void record(PgstreamPipeline p, String type, String reason, String message) {
    String text = RowValues.strip(message);
    String object = p.getMetadata().getUid() != null ? p.getMetadata().getUid() : p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    if (!recent.isNew(object, type, reason, text, Instant.now(clock))) {
      LOG.debug("event {} for {} repeats one already recorded", reason, p.getMetadata().getName());
      return;
    }
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(p.getMetadata().getName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()))
            .withNamespace(p.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(p.getApiVersion())
                    .withKind(p.getKind())
                    .withName(p.getMetadata().getName())
                    .withNamespace(p.getMetadata().getNamespace())
                    .withUid(p.getMetadata().getUid())
                    .withResourceVersion(p.getMetadata().getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(text)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(p.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // An Event is informational; failing to write one must not fail the reconcile.
      LOG.warn("could not record event {} for {}: HTTP {}", reason, p.getMetadata().getName(), e.getCode());
    }
  }
}
