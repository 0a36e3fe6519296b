package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
    Map<String, String> data = new TreeMap<>(config.files());
    data.putAll(jobFiles(p, ctx, config));
    return new ConfigMapBuilder()
        .withMetadata(
            metadata(p, "config").withAnnotations(Map.of(Children.CONFIG_HASH_ANNOTATION, config.contentHash())).build())
        .withData(data)
        .build();
  }

  /**
   * The files step Jobs read ({@link Step#jobFile}): each step's current render, which a Job created
   * in this reconcile (after this ConfigMap) reads, and the file of every step Job that exists, kept
   * while it does. A spec edited while a step runs thus reaches neither its running pod nor a pod
   * Kubernetes starts for it later (a retry, an evicted pod's replacement, a late start).
   */
  private Map<String, String> jobFiles(PgstreamPipeline p, Context<PgstreamPipeline> ctx, RenderedConfig config) {
    Map<String, String> files = new TreeMap<>();
    for (Step step : Step.values()) {
      String file = config.files().get(step.configFile());
      if (file != null) {
        files.put(step.jobFile(file), file);
      }
    }
    Map<String, String> existing = getSecondaryResource(p, ctx).map(ConfigMap::getData).orElse(Map.of());
    ctx.getSecondaryResources(Job.class).stream()
        .map(j -> j.getMetadata().getAnnotations() == null ? null : j.getMetadata().getAnnotations().get(Children.CONFIG_FILE_ANNOTATION))
        .filter(key -> key != null && existing.containsKey(key))
        .forEach(key -> files.put(key, existing.get(key)));
    return files;
  }
}
