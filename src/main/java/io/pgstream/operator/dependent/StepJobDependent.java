package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.OnConflictAction;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.StepTimeouts;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.CredentialsVersion;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Job of one {@link Step}. Created, never updated: a Job's pod template is immutable, and a
 * step whose inputs changed gets a fresh Job from the reconciler instead. The Job carries its
 * {@link StepIdentity} and {@link StepTemplate} hashes, so what it ran with is read from the Job itself.
 */
public class StepJobDependent extends OwnedDependent<Job> {
  /** The pod condition Kubernetes sets on a pod it evicts, drains away or preempts. */
  static final String DISRUPTION_TARGET = "DisruptionTarget";

  private final Step step;

  public StepJobDependent(Step step) {
    super(Job.class, "job-" + step.suffix());
    this.step = step;
  }

  public Step step() {
    return step;
  }

  public StepIdentity identity(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    PgstreamPipelineSpec spec = p.getSpec();
    return StepIdentity.of(step, PipelineContext.config(ctx), spec.snapshot == null ? null : spec.snapshot.nonce);
  }

  public StepTemplate template(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    StepTimeouts timeouts = p.getSpec().effectiveTimeouts();
    return new StepTemplate(
        // The snapshot and the backfill may need a runner image with PostgreSQL client tools; the reconciler chose it.
        step.copies() ? PipelineContext.snapshotImage(ctx) : PipelineContext.image(ctx),
        PodResources.of(p),
        // init and destroy need event-trigger rights, which on RDS only the master login has.
        !step.copies() && p.getSpec().initAsAdmin(),
        CredentialsVersion.of(p, PipelineContext.credentials(ctx)),
        step.copies() ? timeouts.effectiveSnapshotSeconds() : timeouts.effectiveInitSeconds(),
        disruptionsRetried(step, p.getSpec()),
        PodTemplateMerge.canonical(p));
  }

  /**
   * Whether a pod lost to a node drain or eviction may simply start again. init and destroy are
   * idempotent. A snapshot restarted by Kubernetes copies onto its own half copy: safe only when the
   * target is cleaned first (cleanTargetDb) or duplicates are skipped (onConflictAction nothing). A
   * backfill skips duplicates unless spec.target.onConflictAction says otherwise.
   */
  public static boolean disruptionsRetried(Step step, PgstreamPipelineSpec spec) {
    if (!step.copies()) {
      return true;
    }
    if (step == Step.BACKFILL) {
      return spec.target.onConflictAction == null || spec.target.onConflictAction == OnConflictAction.NOTHING;
    }
    boolean cleans = spec.snapshot != null && spec.snapshot.schema != null && Boolean.TRUE.equals(spec.snapshot.schema.cleanTargetDb);
    return cleans || PgstreamConfigRenderer.onConflictAction(spec) == OnConflictAction.NOTHING;
  }

  @Override
  protected String childName(PgstreamPipeline p) {
    return Children.job(p, step);
  }

  /**
   * A plain create: a Job is never updated, so server-side apply's field ownership buys nothing, and
   * an apply of a Job cost the API server about twice a create of it (issue 17's baseline).
   */
  @Override
  protected boolean useSSA(Context<PgstreamPipeline> ctx) {
    return false;
  }

  @Override
  protected Job desired(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    RenderedConfig config = PipelineContext.config(ctx);
    StepIdentity identity = identity(p, ctx);
    StepTemplate template = template(p, ctx);
    ObjectMeta podMeta =
        PgstreamPods.podMetadata(p, Children.labels(p, step.suffix()), Map.of(Children.CONFIG_HASH_ANNOTATION, config.contentHash()));
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Children.STEP_HASH_ANNOTATION, identity.hash());
    annotations.put(Children.TEMPLATE_HASH_ANNOTATION, template.hash());
    if (identity.nonce() != null) {
      annotations.put(Children.NONCE_ANNOTATION, identity.nonce());
    }
    if (step == Step.INIT) {
      annotations.put(Children.SLOT_ANNOTATION, SlotLocation.of(p).format());
      String recorded = SlotLocation.formatAll(p.getStatus() == null ? null : p.getStatus().slotsCreated);
      if (recorded != null) {
        annotations.put(Children.SLOTS_RECORDED_ANNOTATION, recorded);
      }
    }
    String jobFile = step.jobFile(config.files().getOrDefault(step.configFile(), ""));
    annotations.put(Children.CONFIG_FILE_ANNOTATION, jobFile);
    var container =
        PgstreamPods.container(p, template.image(), PgstreamPods.args(step.command(), jobFile), template.sourceAsAdmin())
            .build();
    return new JobBuilder()
        .withMetadata(metadata(p, step.suffix()).withAnnotations(annotations).build())
        .withNewSpec()
        .withBackoffLimit(step.backoffLimit())
        .withActiveDeadlineSeconds(template.deadlineSeconds())
        .withPodFailurePolicy(disruptionPolicy(template.disruptionsRetried()))
        .withNewTemplate()
        .withMetadata(podMeta)
        .withSpec(PgstreamPods.podSpec(p, container, "Never"))
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * A disrupted pod is Ignored (Kubernetes starts another, not counted against backoffLimit) or, where
   * a restart is not safe, fails the Job at once with reason PodFailurePolicy, which the reconciler
   * explains. Other failures count against backoffLimit as before.
   */
  private static PodFailurePolicy disruptionPolicy(boolean retried) {
    return new PodFailurePolicyBuilder()
        .addNewRule()
        .withAction(retried ? "Ignore" : "FailJob")
        .addNewOnPodCondition()
        .withType(DISRUPTION_TARGET)
        .withStatus("True")
        .endOnPodCondition()
        .endRule()
        .build();
  }
}
