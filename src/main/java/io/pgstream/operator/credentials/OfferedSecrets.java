package io.pgstream.operator.credentials;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pgstream.operator.api.PgstreamPipeline;
import java.util.Set;

/**
 * The Secrets offered to pipelines (labelled {@link ReferableSecrets#REFERENCE_LABEL}), watched in the
 * operator's namespaces, so that every pipeline referencing the same login Secret does not read it
 * again. Only labelled Secrets are held: their owner offered them, and the role already lets the
 * operator list and watch Secrets there (its own credential Secrets). A change reconciles nothing:
 * credentials are picked up as before ({@link CredentialsCache}).
 */
public final class OfferedSecrets {
  private volatile InformerEventSource<Secret, PgstreamPipeline> source;

  public InformerEventSource<Secret, PgstreamPipeline> eventSource(EventSourceContext<PgstreamPipeline> ctx) {
    source =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, PgstreamPipeline.class)
                .withName("offered-secrets")
                .withLabelSelector(ReferableSecrets.REFERENCE_LABEL + "=true")
                .withSecondaryToPrimaryMapper(secret -> Set.of())
                .build(),
            ctx);
    return source;
  }

  /** The offered Secret as last watched, or null when it is not offered or not watched (yet). */
  Secret get(String namespace, String name) {
    InformerEventSource<Secret, PgstreamPipeline> s = source;
    return s == null ? null : s.get(new ResourceID(name, namespace)).orElse(null);
  }
}
