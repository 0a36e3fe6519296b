package io.pgstream.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.Cloner;
import io.pgstream.operator.api.PgstreamPipeline;

/**
 * JOSDK's copy of a resource before each reconcile is a serialisation round trip, which would drop
 * the note {@link io.pgstream.operator.api.TolerantSpecDeserializer} leaves on a spec it could not
 * read (the note is not part of the CRD). This cloner carries it over.
 */
final class PipelineCloner implements Cloner {
  private final KubernetesClient client;

  PipelineCloner(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public <R extends HasMetadata> R clone(R object) {
    R copy = client.getKubernetesSerialization().clone(object);
    if (object instanceof PgstreamPipeline original
        && copy instanceof PgstreamPipeline cloned
        && original.getSpec() != null
        && cloned.getSpec() != null) {
      cloned.getSpec().unreadable = original.getSpec().unreadable;
    }
    return copy;
  }
}
