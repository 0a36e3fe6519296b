package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.RenderedConfig;
import java.util.Map;

/**
 * The Job of one {@link Step}. Created, never updated: a Job's pod template is immutable, and a
 * step whose inputs changed gets a fresh Job from the reconciler instead.
 */
public class StepJobDependent extends KubernetesDependentResource<Job, PgstreamPipeline>
    implements Creator<Job, PgstreamPipeline>, GarbageCollected<PgstreamPipeline> {
  private final Step step;

  public StepJobDependent(Step step) {
    super(Job.class, "job-" + step.suffix());
    this.step = step;
  }

  public Step step() {
    return step;
  }

  /** The inputs a step ran with, to tell whether the Job is still the one the current spec asks for. */
  public static String stepHash(Step step, RenderedConfig config) {
    return switch (step) {
      case INIT, DESTROY -> config.initHash();
      case SNAPSHOT -> config.snapshotHash();
    };
  }

  @Override
  protected Job desired(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    RenderedConfig config = PipelineContext.config(ctx);
    ObjectMeta podMeta =
        new ObjectMetaBuilder()
            .withLabels(Children.labels(p, step.suffix()))
            .withAnnotations(Map.of(Children.CONFIG_HASH_ANNOTATION, config.contentHash()))
            .build();
    return new JobBuilder()
        .withNewMetadata()
        .withName(Children.job(p, step))
        .withNamespace(p.getMetadata().getNamespace())
        .withLabels(Children.labels(p, step.suffix()))
        .withAnnotations(Map.of(Children.STEP_HASH_ANNOTATION, stepHash(step, config)))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(step.backoffLimit())
        .withNewTemplate()
        .withMetadata(podMeta)
        .withSpec(
            PgstreamPods.podSpec(
                p,
                PgstreamPods.container(p, PgstreamPods.args(step.command(), step.configFile())).build(),
                "Never"))
        .endTemplate()
        .endSpec()
        .build();
  }

  @Override
  public Job create(Job desired, PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    NameGuard.ensureFree(desired, p, ctx);
    return super.create(desired, p, ctx);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return new ResourceID(Children.job(p, step), p.getMetadata().getNamespace());
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<Job> informerConfigurationBuilder(
      EventSourceContext<PgstreamPipeline> context) {
    return ManagedInformers.onlyManaged(super.informerConfigurationBuilder(context));
  }
}
