package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.RenderedConfig;
import java.util.Map;
import java.util.TreeMap;

/** The rendered pgstream config files; holds no credential. */
public class ConfigMapDependent extends UpdatableOwnedDependent<ConfigMap> {
  public ConfigMapDependent() {
    super(ConfigMap.class, "configmap");
  }

  @Override
  protected String childName(PgstreamPipeline p) {
    return Children.configMap(p);
  }

  @Override
  protected ConfigMap desired(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    RenderedConfig config = PipelineContext.config(ctx);
    return new ConfigMapBuilder()
        .withMetadata(
            metadata(p, "config").withAnnotations(Map.of(Children.CONFIG_HASH_ANNOTATION, config.contentHash())).build())
        .withData(new TreeMap<>(config.files()))
        .build();
  }
}
