package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.RenderedConfig;
import java.util.Map;
import java.util.TreeMap;

/** The rendered pgstream config files; holds no credential. */
public class ConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, PgstreamPipeline> {
  public ConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    RenderedConfig config = PipelineContext.config(ctx);
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(Children.configMap(p))
        .withNamespace(p.getMetadata().getNamespace())
        .withLabels(Children.labels(p, "config"))
        .withAnnotations(Map.of(Children.CONFIG_HASH_ANNOTATION, config.contentHash()))
        .endMetadata()
        .withData(new TreeMap<>(config.files()))
        .build();
  }

  @Override
  public ConfigMap create(ConfigMap desired, PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    NameGuard.ensureFree(desired, p, ctx);
    return super.create(desired, p, ctx);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return new ResourceID(Children.configMap(p), p.getMetadata().getNamespace());
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<ConfigMap> informerConfigurationBuilder(
      EventSourceContext<PgstreamPipeline> context) {
    return ManagedInformers.onlyManaged(super.informerConfigurationBuilder(context));
  }
}
