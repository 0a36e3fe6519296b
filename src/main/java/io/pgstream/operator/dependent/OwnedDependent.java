package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pgstream.operator.api.PgstreamPipeline;

/**
 * An object the pipeline owns (garbage-collected with it), found by its name, watched only with the
 * operator's label, and never created over an object someone else owns.
 */
public abstract class OwnedDependent<R extends HasMetadata> extends KubernetesDependentResource<R, PgstreamPipeline>
    implements Creator<R, PgstreamPipeline>, GarbageCollected<PgstreamPipeline> {

  protected OwnedDependent(Class<R> type, String name) {
    super(type, name);
  }

  /** The object's name for a pipeline; selecting it needs no desired state. */
  protected abstract String childName(PgstreamPipeline p);

  /** Name, namespace and the operator's labels. */
  protected ObjectMetaBuilder metadata(PgstreamPipeline p, String component) {
    return new ObjectMetaBuilder()
        .withName(childName(p))
        .withNamespace(p.getMetadata().getNamespace())
        .withLabels(Children.labels(p, component));
  }

  @Override
  public R create(R desired, PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return NameGuard.create(() -> super.create(desired, p, ctx), desired, p, ctx);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return new ResourceID(childName(p), p.getMetadata().getNamespace());
  }

  /** Informers cache only labelled objects, not every ConfigMap, Secret or Job of the cluster. */
  @Override
  protected InformerEventSourceConfiguration.Builder<R> informerConfigurationBuilder(
      EventSourceContext<PgstreamPipeline> context) {
    return super.informerConfigurationBuilder(context).withLabelSelector(Children.SELECTOR);
  }
}
