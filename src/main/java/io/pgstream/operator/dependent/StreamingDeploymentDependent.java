package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.CredentialsVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pgstream run}: one replica with the Recreate strategy, because a replication slot takes one
 * consumer and a rolling update would start the second before the first lets go.
 */
public class StreamingDeploymentDependent
    extends UpdatableOwnedDependent<Deployment> {
  public static final String COMPONENT = "streaming";

  public StreamingDeploymentDependent() {
    super(Deployment.class, "streaming");
  }

  @Override
  protected String childName(PgstreamPipeline p) {
    return Children.deployment(p);
  }

  @Override
  protected Deployment desired(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    RenderedConfig config = PipelineContext.config(ctx);
    Map<String, String> labels = Children.labels(p, COMPONENT);
    var container =
        PgstreamPods.container(
                p, PipelineContext.image(ctx), PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), false)
            .withPorts(
                new ContainerPortBuilder()
                    .withName("health")
                    .withContainerPort(PgstreamConfigRenderer.HEALTH_PORT)
                    .withProtocol("TCP")
                    .build())
            .withLivenessProbe(probe("/health"))
            .withReadinessProbe(probe("/ready"))
            .build();
    return new DeploymentBuilder()
        .withMetadata(metadata(p, COMPONENT).build())
        .withNewSpec()
        .withReplicas(1)
        .withNewStrategy()
        .withType("Recreate")
        .endStrategy()
        .withNewSelector()
        .withMatchLabels(labels)
        .endSelector()
        .withNewTemplate()
        .withMetadata(
            PgstreamPods.podMetadata(
                p,
                labels,
                podAnnotations(p, ctx, config)))
        .withSpec(PgstreamPods.podSpec(p, container, "Always"))
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * The credentials version rolls the pods after a rotation, before the old password stops working; the
   * handled pgstream.io/restart value rolls them once per new value (absent until one was handled).
   */
  private static Map<String, String> podAnnotations(PgstreamPipeline p, Context<PgstreamPipeline> ctx, RenderedConfig config) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Children.CONFIG_HASH_ANNOTATION, config.contentHash());
    annotations.put(Children.CREDENTIALS_VERSION_ANNOTATION, CredentialsVersion.of(p, PipelineContext.credentials(ctx)));
    PipelineContext.restart(ctx).ifPresent(value -> annotations.put(Annotations.RESTART, value));
    return annotations;
  }

  /** pgstream serves /health and /ready only after it parsed its config, hence the initial delay. */
  private static Probe probe(String path) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString("health"))
        .endHttpGet()
        .withInitialDelaySeconds(5)
        .withPeriodSeconds(10)
        .withTimeoutSeconds(3)
        .withFailureThreshold(3)
        .build();
  }

  public static boolean available(Deployment d) {
    return d != null
        && d.getStatus() != null
        && d.getStatus().getAvailableReplicas() != null
        && d.getStatus().getAvailableReplicas() > 0;
  }
}
