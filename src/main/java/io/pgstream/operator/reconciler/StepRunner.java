package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.StepJobDependent;
import java.util.Collection;
import java.util.Optional;

/**
 * Moves one Job-run step forward and reports where it stands. A step's Job is created once per
 * input hash; a failed Job is left in place (its pod keeps the logs) and not retried until the
 * inputs change or the user deletes it, so a failure never becomes a retry loop.
 */
final class StepRunner {
  private StepRunner() {}

  /** Whether the step's Job exists and ran (or runs) with the current inputs. */
  static boolean current(StepJobDependent dependent, PgstreamPipeline p, Context<PgstreamPipeline> ctx, RenderedConfig config) {
    String hash = StepJobDependent.stepHash(dependent.step(), config);
    return dependent.getSecondaryResource(p, ctx).map(job -> hash.equals(stepHash(job))).orElse(false);
  }

  static StepStatus advance(
      StepJobDependent dependent,
      PgstreamPipeline p,
      Context<PgstreamPipeline> ctx,
      StepStatus recorded,
      RenderedConfig config,
      Collection<String> secretValues) {
    // The same hash the dependent writes on the Job, so "is this Job still the current one" cannot drift.
    String hash = StepJobDependent.stepHash(dependent.step(), config);
    String name = Children.job(p, dependent.step());
    String command = "pgstream " + dependent.step().suffix();
    Optional<Job> existing = dependent.getSecondaryResource(p, ctx);
    if (existing.isPresent() && !hash.equals(stepHash(existing.get()))) {
      ctx.getClient().resource(existing.get()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      return status(StepState.Running, hash, name, null, "Replacing Job " + name + ", which ran with older inputs");
    }
    if (existing.isEmpty()) {
      dependent.reconcile(p, ctx);
      return status(StepState.Running, hash, name, null, "Job " + name + " is running " + command);
    }
    Job job = existing.get();
    if (JobStates.succeeded(job)) {
      return status(StepState.Succeeded, hash, name, JobStates.completionTime(job), command + " succeeded (Job " + name + ")");
    }
    if (JobStates.failed(job)) {
      if (recorded != null && recorded.state == StepState.Failed && hash.equals(recorded.configHash)) {
        return recorded;
      }
      String why = JobStates.shown(JobStates.failureMessage(ctx.getClient(), job), secretValues);
      return status(
          StepState.Failed,
          hash,
          name,
          null,
          command + " failed (Job " + name + "; delete the Job to retry, or fix the spec): " + why);
    }
    return status(StepState.Running, hash, name, null, "Job " + name + " is running " + command);
  }

  private static String stepHash(Job job) {
    return job.getMetadata().getAnnotations() == null
        ? null
        : job.getMetadata().getAnnotations().get(Children.STEP_HASH_ANNOTATION);
  }

  private static StepStatus status(StepState state, String hash, String job, String completedAt, String message) {
    StepStatus s = new StepStatus();
    s.state = state;
    s.configHash = hash;
    s.job = job;
    s.completedAt = completedAt;
    s.message = message;
    return s;
  }
}
