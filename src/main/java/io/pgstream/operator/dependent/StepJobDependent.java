package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import java.util.Map;

/**
 * The Job of one {@link Step}. Created, never updated: a Job's pod template is immutable, and a
 * step whose inputs changed gets a fresh Job from the reconciler instead.
 */
public class StepJobDependent extends OwnedDependent<Job> {
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
      case BACKFILL -> Hashes.shortHash(config.files().getOrDefault(PgstreamConfigRenderer.BACKFILL_FILE, ""));
    };
  }

  /** The snapshot may need a runner image with PostgreSQL client tools; the reconciler chose it. */
  private String image(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return step.copies() ? PipelineContext.snapshotImage(ctx) : PipelineContext.image(ctx);
  }

  /** init and destroy need event-trigger rights, which on RDS only the master login has. */
  private boolean runsAsSourceAdmin(PgstreamPipeline p) {
    return !step.copies() && p.getSpec().initAsAdmin();
  }

  @Override
  protected String childName(PgstreamPipeline p) {
    return Children.job(p, step);
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
        .withMetadata(
            metadata(p, step.suffix()).withAnnotations(Map.of(Children.STEP_HASH_ANNOTATION, stepHash(step, config))).build())
        .withNewSpec()
        .withBackoffLimit(step.backoffLimit())
        .withNewTemplate()
        .withMetadata(podMeta)
        .withSpec(
            PgstreamPods.podSpec(
                p,
                PgstreamPods.container(p, image(p, ctx), PgstreamPods.args(step.command(), step.configFile()), runsAsSourceAdmin(p))
                    .build(),
                "Never"))
        .endTemplate()
        .endSpec()
        .build();
  }
}
