package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.dependent.StepIdentity;
import io.pgstream.operator.dependent.StepJobDependent;
import io.pgstream.operator.dependent.StepTemplate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place that decides what happens to a step's Job ({@link #decide}) and does it ({@link
 * #carryOut}). A running Job is never replaced because inputs changed: the change waits for it
 * unless the user aborts (pgstream.io/abort, or a new snapshot nonce). A failed Job stays failed until
 * its identity or template changes, pgstream.io/retry gets a new value, or its automatic re-run is due
 * ({@link AutoRetry}, a bounded number with back-off). A Job is replaced only after the old one and all
 * its pods are gone, so two never write at once.
 */
final class StepPlanner {
  /** The step condition's reason while an old Job and its pods go away before the next one starts. */
  static final String WAITING_FOR_JOB_GONE = "WaitingForJobGone";
  /** How often the end of an old Job and its pods is looked for, besides the Job and pod events (PodEvents). */
  static final Duration GONE_CHECK = Duration.ofSeconds(5);

  enum Decision {
    /** No current Job: remove a finished old one, wait until it and its pods are gone, then create. */
    START,
    RUNNING,
    /** Runs with older inputs; they take effect after it. */
    CHANGE_WAITS,
    /** Runs, but the user asked to stop it (abort, or a new nonce for the snapshot). */
    STOP,
    SUCCEEDED,
    FAILED
  }

  /**
   * What a decision is made from.
   *
   * @param job the step's Job, null when there is none or it is being deleted
   * @param retryDue the failed step's automatic re-run ({@link AutoRetry}) is due
   * @param now when the plan was made
   */
  record Facts(
      Step step,
      String jobName,
      StepStatus recorded,
      Job job,
      StepIdentity identity,
      StepTemplate template,
      boolean abort,
      boolean retry,
      boolean retryDue,
      Instant now) {

    /** The Job ran for the current identity: for the snapshot only the nonce counts once it succeeded. */
    boolean ranForCurrent(Job j) {
      return step == Step.SNAPSHOT ? identity.nonce().equals(nonceOf(j)) : identity.hash().equals(annotation(j, Children.STEP_HASH_ANNOTATION));
    }

    boolean sameInputs(Job j) {
      String template = annotation(j, Children.TEMPLATE_HASH_ANNOTATION);
      // A Job made before templates were recorded counts as current: an upgrade re-runs nothing.
      return identity.hash().equals(annotation(j, Children.STEP_HASH_ANNOTATION))
          && (template == null || template.equals(this.template.hash()));
    }

    String nonceOf(Job j) {
      String nonce = annotation(j, Children.NONCE_ANNOTATION);
      return nonce != null ? nonce : Objects.toString(recorded == null ? null : recorded.nonce, "");
    }

    boolean succeededBefore() {
      if (recorded == null || recorded.state != StepState.Succeeded) {
        return false;
      }
      return step == Step.SNAPSHOT
          ? identity.nonce().equals(Objects.toString(recorded.nonce, ""))
          : recorded.succeededFor(identity.hash());
    }
  }

  /** @param dependent the step's Job; {@code facts} are what it was planned from */
  record Plan(StepJobDependent dependent, Facts facts, Decision decision) {
    /** Whether this plan may create the step's Job (the snapshot stops every writer before). */
    boolean starts() {
      return decision == Decision.START;
    }
  }

  private StepPlanner() {}

  static Decision decide(Facts f) {
    Job job = f.job();
    if (job == null) {
      return f.succeededBefore() ? Decision.SUCCEEDED : Decision.START;
    }
    if (JobStates.succeeded(job)) {
      // Status may vouch for a run the Job's annotation does not name: init for a new name of the same server.
      return f.ranForCurrent(job) || f.succeededBefore() ? Decision.SUCCEEDED : Decision.START;
    }
    if (JobStates.failed(job)) {
      return f.sameInputs(job) && !f.retry() && !f.retryDue() ? Decision.FAILED : Decision.START;
    }
    if (f.abort() || (f.step() == Step.SNAPSHOT && !f.identity().nonce().equals(f.nonceOf(job)))) {
      return Decision.STOP;
    }
    return f.sameInputs(job) ? Decision.RUNNING : Decision.CHANGE_WAITS;
  }

  /** Plans and carries out in one go, for a step with no other work between the two (destroy). */
  static StepStatus advance(
      StepJobDependent dependent,
      PgstreamPipeline p,
      Context<PgstreamPipeline> ctx,
      PgstreamPipelineStatus st,
      StepStatus recorded,
      Collection<String> secretValues,
      Clock clock) {
    return carryOut(plan(dependent, p, ctx, st, recorded, clock), p, ctx, secretValues);
  }

  /** @param recorded the step's status so far (status.init, status.snapshot; null for destroy) */
  static Plan plan(
      StepJobDependent dependent,
      PgstreamPipeline p,
      Context<PgstreamPipeline> ctx,
      PgstreamPipelineStatus st,
      StepStatus recorded,
      Clock clock) {
    Step step = dependent.step();
    Instant now = clock.instant();
    // The verbs act on the pipeline's run; deletion has its own way out (delete the destroy Job). They act only on
    // a step status knew of: after lost status a found Job is resumed, since the verbs' records went with the status
    // and a value left in place was already handled (StepVerbs.settle records it again at the end of this reconcile).
    boolean verbs = step != Step.DESTROY && recorded != null;
    // Once its deletion was asked for, a Job still cached is the old one unless the API server holds it undeleted: then
    // no deletion of it was asked for (the status was written from a cache that did not hold it yet), or it is newer.
    boolean deleting = recorded != null && WAITING_FOR_JOB_GONE.equals(recorded.reason);
    Job job =
        dependent.getSecondaryResource(p, ctx)
            .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
            .flatMap(j -> deleting ? undeleted(ctx.getClient(), j) : Optional.of(j))
            .orElse(null);
    Facts facts =
        new Facts(
            step,
            Children.job(p, step),
            recorded,
            job,
            dependent.identity(p, ctx),
            dependent.template(p, ctx),
            verbs && StepVerbs.abortRequested(p, st),
            verbs && StepVerbs.retryRequested(p, st),
            verbs && AutoRetry.due(recorded, p.getSpec().effectiveRetry(), now),
            now);
    return new Plan(dependent, facts, decide(facts));
  }

  /** Does what the plan says; the step's new status. */
  static StepStatus carryOut(Plan plan, PgstreamPipeline p, Context<PgstreamPipeline> ctx, Collection<String> secretValues) {
    Facts f = plan.facts();
    Job job = f.job();
    String name = f.jobName();
    String command = "pgstream " + f.step().suffix();
    return switch (plan.decision()) {
      case SUCCEEDED -> f.succeededBefore()
          ? f.recorded()
          : status(f, job, StepState.Succeeded, null, command + " succeeded (Job " + name + ")");
      case RUNNING -> status(f, job, StepState.Running, null, "Job " + name + " is running " + command);
      case CHANGE_WAITS -> status(f, job, StepState.Running, "SpecChangedDuring" + label(f.step()), changeWaits(f, job, name, command));
      case STOP -> {
        delete(ctx.getClient(), job);
        String why = f.abort() ? "annotation " + Annotations.ABORT + " was set to a new value" : "spec.snapshot.nonce changed";
        yield waitingForGone(f, job, "Stopping Job " + name + " (" + why + "); " + nextStarts(f.step()));
      }
      case FAILED -> failed(f, job, name, command, p.getSpec(), ctx.getClient(), secretValues);
      case START -> start(plan, p, ctx, name, command);
    };
  }

  /** After a decision that left a step unfinished: when to look again (a failed one: when its re-run is due). */
  static Outcome next(StepStatus step, PgstreamPipeline p, Clock clock) {
    if (WAITING_FOR_JOB_GONE.equals(step.reason)) {
      return Outcome.after(GONE_CHECK);
    }
    // At least a second: a due re-run the plan did not start (suspended) is not looked at in a loop.
    return AutoRetry.pending(step, p.getSpec().effectiveRetry())
        .map(at -> Duration.between(clock.instant(), at))
        .map(wait -> Outcome.after(wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait))
        .orElseGet(Outcome::onChange);
  }

  private static StepStatus start(Plan plan, PgstreamPipeline p, Context<PgstreamPipeline> ctx, String name, String command) {
    Facts f = plan.facts();
    if (f.job() != null) {
      delete(ctx.getClient(), f.job());
      String what = JobStates.failed(f.job()) ? "the failed Job " + name : "Job " + name + " of the last run";
      return waitingForGone(f, null, "Deleting " + what + "; " + nextStarts(f.step()));
    }
    if (!gone(ctx.getClient(), p.getMetadata().getNamespace(), name)) {
      return waitingForGone(f, null, "Waiting until the old Job " + name + " and its pods are gone; " + nextStarts(f.step()));
    }
    plan.dependent().reconcile(p, ctx);
    return status(f, null, StepState.Running, null, "Job " + name + " is running " + command);
  }

  /** The Job is deleted and every pod of it has stopped (a finished pod writes nothing more). */
  private static boolean gone(KubernetesClient client, String namespace, String name) {
    return client.batch().v1().jobs().inNamespace(namespace).withName(name).get() == null
        && !PipelinePods.anyUnfinished(PipelinePods.ofJob(client, namespace, name));
  }

  /** The Job as the API server holds it, unless it is gone or going. */
  private static Optional<Job> undeleted(KubernetesClient client, Job cached) {
    return Optional.ofNullable(client.resource(cached).get()).filter(j -> j.getMetadata().getDeletionTimestamp() == null);
  }

  /** Foreground: the Job object stays until its pods are gone, so its absence means nothing of it still runs. */
  private static void delete(KubernetesClient client, Job job) {
    client.resource(job).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
  }

  private static String nextStarts(Step step) {
    return "the next pgstream " + step.suffix() + " starts once it and its pods are gone";
  }

  private static String changeWaits(Facts f, Job job, String name, String command) {
    boolean identity = !f.identity().hash().equals(annotation(job, Children.STEP_HASH_ANNOTATION));
    String what =
        identity
            ? (f.step() == Step.SNAPSHOT ? "the snapshot's config" : "the source or the slot")
            : "the pod template (image, resources, spec.podTemplate, login, credentials or timeout)";
    String stop =
        f.step() == Step.SNAPSHOT
            ? "set annotation " + Annotations.ABORT + " to a new value, or a new spec.snapshot.nonce"
            : "set annotation " + Annotations.ABORT + " to a new value";
    return "Job %s keeps running %s with the inputs it started with; the change to %s takes effect after this run. To stop it now, %s."
        .formatted(name, command, what, stop);
  }

  private static StepStatus failed(
      Facts f,
      Job job,
      String name,
      String command,
      PgstreamPipelineSpec spec,
      KubernetesClient client,
      Collection<String> secretValues) {
    StepStatus recorded = f.recorded();
    if (recorded != null
        && recorded.state == StepState.Failed
        && Objects.equals(recorded.configHash, annotation(job, Children.STEP_HASH_ANNOTATION))
        && Objects.equals(recorded.templateHash, annotation(job, Children.TEMPLATE_HASH_ANNOTATION))) {
      return recorded;
    }
    String rerun =
        f.step() == Step.DESTROY
            ? "Delete the Job to run it again."
            : "It runs again when its inputs change (spec, spec.image, spec.resources, the runner image, the login or"
                + " rotated credentials), or set annotation " + Annotations.RETRY + " to a new value.";
    if (JobStates.timedOut(job)) {
      String field = f.step() == Step.SNAPSHOT ? "spec.timeouts.snapshotSeconds" : "spec.timeouts.initSeconds";
      String message =
          "%s did not finish within %d s (%s) and was stopped (Job %s). Raise %s if it needs longer. %s"
              .formatted(command, f.template().deadlineSeconds(), field, name, field, rerun);
      return AutoRetry.schedule(status(f, job, StepState.Failed, label(f.step()) + "TimedOut", message), f, spec, message);
    }
    if (JobStates.failedByPodFailurePolicy(job)) {
      String message =
          ("The pod of Job %s was evicted or drained away before %s finished, and it is not restarted by itself: a"
                  + " restart would copy onto the rows the first attempt wrote. Empty the target (or set"
                  + " spec.snapshot.populatedTarget: Truncate), then set annotation %s to a new value. With"
                  + " spec.snapshot.schema.cleanTargetDb or spec.target.onConflictAction: nothing a disrupted snapshot"
                  + " restarts by itself.")
              .formatted(name, command, Annotations.RETRY);
      return AutoRetry.schedule(status(f, job, StepState.Failed, label(f.step()) + "Disrupted", message), f, spec, message);
    }
    String why = JobStates.shown(JobStates.failureMessage(client, job), secretValues);
    String message = command + " failed (Job " + name + "): " + why + ". " + rerun;
    return AutoRetry.schedule(status(f, job, StepState.Failed, null, message), f, spec, why);
  }

  private static StepStatus waitingForGone(Facts f, Job job, String message) {
    return status(f, job, StepState.Running, WAITING_FOR_JOB_GONE, message);
  }

  /** Init, Snapshot or Backfill, for the step's condition reasons. */
  private static String label(Step step) {
    return switch (step) {
      case SNAPSHOT -> "Snapshot";
      case BACKFILL -> "Backfill";
      case INIT, DESTROY -> "Init";
    };
  }

  /** @param job the Job the status describes; null for the one about to be created with the current inputs */
  private static StepStatus status(Facts f, Job job, StepState state, String reason, String message) {
    StepStatus s = new StepStatus();
    s.state = state;
    s.configHash = job == null ? f.identity().hash() : annotation(job, Children.STEP_HASH_ANNOTATION);
    s.templateHash = job == null ? f.template().hash() : annotation(job, Children.TEMPLATE_HASH_ANNOTATION);
    s.job = f.jobName();
    s.completedAt = state == StepState.Succeeded && job != null ? JobStates.completionTime(job) : null;
    s.reason = reason;
    s.attempts = attempts(f, s);
    s.message = s.attempts != null && state == StepState.Running ? message + " (" + AutoRetry.label(s.attempts) + ")" : message;
    if (f.step() == Step.SNAPSHOT) {
      String nonce = job == null ? f.identity().nonce() : f.nonceOf(job);
      s.nonce = nonce.isEmpty() ? null : nonce;
    }
    return s;
  }

  /**
   * Automatic re-runs carried into a status of the same inputs: one more when this start is one, none
   * once the step succeeded or pgstream.io/retry asked for a run.
   */
  private static Integer attempts(Facts f, StepStatus s) {
    StepStatus r = f.recorded();
    if (s.state == StepState.Succeeded || f.retry() || r == null) {
      return null;
    }
    boolean sameInputs = Objects.equals(r.configHash, s.configHash) && Objects.equals(r.templateHash, s.templateHash);
    int made = sameInputs ? AutoRetry.attempts(r) + (f.retryDue() ? 1 : 0) : 0;
    return made == 0 ? null : made;
  }

  static String annotation(Job job, String key) {
    Map<String, String> annotations = job.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
