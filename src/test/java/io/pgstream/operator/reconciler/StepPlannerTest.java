package io.pgstream.operator.reconciler;

import static io.pgstream.operator.reconciler.StepPlanner.Decision.CHANGE_WAITS;
import static io.pgstream.operator.reconciler.StepPlanner.Decision.FAILED;
import static io.pgstream.operator.reconciler.StepPlanner.Decision.RUNNING;
import static io.pgstream.operator.reconciler.StepPlanner.Decision.START;
import static io.pgstream.operator.reconciler.StepPlanner.Decision.STOP;
import static io.pgstream.operator.reconciler.StepPlanner.Decision.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.dependent.StepIdentity;
import io.pgstream.operator.dependent.StepTemplate;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every branch of the one function that decides what happens to a step's Job. */
class StepPlannerTest {
  static final StepIdentity SNAPSHOT = new StepIdentity("snap-1", "");
  static final StepTemplate TEMPLATE = template("pgstream:1", "1Gi", "creds-1");

  @Test
  void aRunningJobIsNeverReplacedBecauseItsInputsChanged() {
    Job running = job(SNAPSHOT, TEMPLATE, null);
    assertThat(decide(Step.SNAPSHOT, running, SNAPSHOT, TEMPLATE)).isEqualTo(RUNNING);
    assertThat(decide(Step.SNAPSHOT, running, new StepIdentity("snap-2", ""), TEMPLATE)).isEqualTo(CHANGE_WAITS);
    assertThat(decide(Step.SNAPSHOT, running, SNAPSHOT, template("pgstream:2", "1Gi", "creds-1"))).isEqualTo(CHANGE_WAITS);
    assertThat(decide(Step.SNAPSHOT, running, SNAPSHOT, template("pgstream:1", "4Gi", "creds-1"))).isEqualTo(CHANGE_WAITS);
    assertThat(decide(Step.SNAPSHOT, running, SNAPSHOT, template("pgstream:1", "1Gi", "creds-2"))).isEqualTo(CHANGE_WAITS);
    StepIdentity init = new StepIdentity("source-1", null);
    assertThat(decide(Step.INIT, job(init, TEMPLATE, null), new StepIdentity("source-2", null), TEMPLATE)).isEqualTo(CHANGE_WAITS);
  }

  @Test
  void onlyAnAbortOrANewNonceStopsARunningJob() {
    Job running = job(SNAPSHOT, TEMPLATE, null);
    assertThat(facts(Step.SNAPSHOT, running, SNAPSHOT, TEMPLATE, null, true, false)).isEqualTo(STOP);
    assertThat(decide(Step.SNAPSHOT, running, new StepIdentity("snap-2", "n2"), TEMPLATE)).isEqualTo(STOP);
    assertThat(facts(Step.INIT, job(new StepIdentity("i", null), TEMPLATE, null), new StepIdentity("i", null), TEMPLATE, null, true, false))
        .isEqualTo(STOP);
    assertThat(facts(Step.SNAPSHOT, running, SNAPSHOT, TEMPLATE, null, false, true)).as("retry is for failed steps").isEqualTo(RUNNING);
  }

  @Test
  void aFailedJobRunsAgainWhenItsIdentityOrTemplateChangesOrOnARetry() {
    Job failed = job(SNAPSHOT, TEMPLATE, "Failed");
    assertThat(decide(Step.SNAPSHOT, failed, SNAPSHOT, TEMPLATE)).as("never a retry loop").isEqualTo(FAILED);
    assertThat(decide(Step.SNAPSHOT, failed, SNAPSHOT, template("fixed-image", "1Gi", "creds-1"))).isEqualTo(START);
    assertThat(decide(Step.SNAPSHOT, failed, SNAPSHOT, template("pgstream:1", "4Gi", "creds-1"))).isEqualTo(START);
    assertThat(decide(Step.SNAPSHOT, failed, SNAPSHOT, template("pgstream:1", "1Gi", "rotated"))).isEqualTo(START);
    assertThat(decide(Step.SNAPSHOT, failed, new StepIdentity("snap-2", ""), TEMPLATE)).isEqualTo(START);
    assertThat(facts(Step.SNAPSHOT, failed, SNAPSHOT, TEMPLATE, null, false, true)).isEqualTo(START);
    assertThat(due(Step.SNAPSHOT, failed, SNAPSHOT, TEMPLATE, null, false, false, true)).as("its automatic retry is due").isEqualTo(START);
    assertThat(due(Step.SNAPSHOT, job(SNAPSHOT, TEMPLATE, null), SNAPSHOT, TEMPLATE, null, false, false, true)).isEqualTo(RUNNING);
    assertThat(facts(Step.SNAPSHOT, failed, SNAPSHOT, TEMPLATE, null, true, false)).as("nothing to abort").isEqualTo(FAILED);
  }

  @Test
  void aSucceededSnapshotIsRepeatedOnlyForANewNonceAndInitForANewIdentity() {
    Job done = job(SNAPSHOT, TEMPLATE, "Complete");
    assertThat(decide(Step.SNAPSHOT, done, new StepIdentity("tuned", ""), template("x", "2Gi", "y"))).isEqualTo(SUCCEEDED);
    assertThat(decide(Step.SNAPSHOT, done, new StepIdentity("snap-1b", "again"), TEMPLATE)).isEqualTo(START);
    StepIdentity init = new StepIdentity("source-1", null);
    Job initDone = job(init, TEMPLATE, "Complete");
    assertThat(decide(Step.INIT, initDone, init, template("x", "2Gi", "y"))).isEqualTo(SUCCEEDED);
    assertThat(decide(Step.INIT, initDone, new StepIdentity("slot-2", null), TEMPLATE)).isEqualTo(START);
  }

  @Test
  void withoutAJobTheRecordDecides() {
    StepStatus recorded = new StepStatus();
    recorded.state = StepState.Succeeded;
    recorded.configHash = "snap-0";
    assertThat(facts(Step.SNAPSHOT, null, SNAPSHOT, TEMPLATE, recorded, false, false)).isEqualTo(SUCCEEDED);
    recorded.nonce = "old";
    assertThat(facts(Step.SNAPSHOT, null, SNAPSHOT, TEMPLATE, recorded, false, false)).isEqualTo(START);
    recorded.state = StepState.Failed;
    assertThat(facts(Step.SNAPSHOT, null, SNAPSHOT, TEMPLATE, recorded, false, false)).isEqualTo(START);
  }

  @Test
  void aJobFromBeforeTemplatesAndNoncesWereRecordedIsTakenAsCurrent() {
    Job old = job(SNAPSHOT, null, null);
    old.getMetadata().getAnnotations().remove(Children.NONCE_ANNOTATION);
    StepStatus recorded = new StepStatus();
    recorded.state = StepState.Running;
    recorded.nonce = null;
    assertThat(facts(Step.SNAPSHOT, old, SNAPSHOT, TEMPLATE, recorded, false, false)).isEqualTo(RUNNING);
  }

  @Test
  void theTemplateHashIgnoresHowQuantitiesAreWritten() {
    StepTemplate a = template("i", "1Gi", "c");
    StepTemplate b = template("i", "1024Mi", "c");
    assertThat(a.hash()).isEqualTo(b.hash());
    assertThat(a.hash()).isNotEqualTo(template("i", "2Gi", "c").hash());
  }

  private static StepPlanner.Decision decide(Step step, Job job, StepIdentity identity, StepTemplate template) {
    return facts(step, job, identity, template, null, false, false);
  }

  private static StepPlanner.Decision facts(
      Step step, Job job, StepIdentity identity, StepTemplate template, StepStatus recorded, boolean abort, boolean retry) {
    return due(step, job, identity, template, recorded, abort, retry, false);
  }

  private static StepPlanner.Decision due(
      Step step, Job job, StepIdentity identity, StepTemplate template, StepStatus recorded, boolean abort, boolean retry, boolean retryDue) {
    return StepPlanner.decide(
        new StepPlanner.Facts(step, "orders-" + step.suffix(), recorded, job, identity, template, abort, retry, retryDue, Instant.EPOCH));
  }

  private static StepTemplate template(String image, String memory, String credentials) {
    return new StepTemplate(
        image,
        new ResourceRequirementsBuilder().addToLimits("memory", new Quantity(memory)).build(),
        false,
        credentials,
        3600,
        true,
        "");
  }

  /** @param finished the Job's True condition (Complete, Failed), or null while it runs */
  private static Job job(StepIdentity identity, StepTemplate template, String finished) {
    Map<String, String> annotations = new HashMap<>();
    annotations.put(Children.STEP_HASH_ANNOTATION, identity.hash());
    if (template != null) {
      annotations.put(Children.TEMPLATE_HASH_ANNOTATION, template.hash());
    }
    if (identity.nonce() != null) {
      annotations.put(Children.NONCE_ANNOTATION, identity.nonce());
    }
    JobBuilder job = new JobBuilder().withNewMetadata().withName("orders-x").withAnnotations(annotations).endMetadata();
    if (finished != null) {
      job.withNewStatus().addNewCondition().withType(finished).withStatus("True").withReason("X").endCondition().endStatus();
    }
    return job.build();
  }
}
