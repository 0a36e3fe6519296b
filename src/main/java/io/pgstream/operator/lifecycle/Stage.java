package io.pgstream.operator.lifecycle;

import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;

/**
 * What a pipeline has done so far, read from its status: the row of {@link PhaseTable}. Unlike the
 * displayed phase, a pipeline that streamed and now waits at a gate is still {@link #STREAMING} here,
 * because what a change costs depends on what ran, not on what is shown.
 */
public enum Stage {
  NEW("nothing ran yet: no slot, no snapshot"),
  INITIALIZING("the init Job runs (it may have created the slot)"),
  SNAPSHOTTING("the snapshot Job runs"),
  STREAMING("the snapshot (or init, for mode replication) is done; streaming from the slot"),
  COMPLETED("mode snapshot: the snapshot is done"),
  FAILED("the init or snapshot Job failed");

  private final String description;

  Stage(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  /** @param snapshots whether the pipeline's mode takes a snapshot; {@code replicates} whether it streams */
  public static Stage of(PgstreamPipelineStatus status, boolean snapshots, boolean replicates) {
    if (status == null) {
      return NEW;
    }
    if (is(status.init, StepState.Failed) || is(status.snapshot, StepState.Failed)) {
      return FAILED;
    }
    if (is(status.init, StepState.Running)) {
      return INITIALIZING;
    }
    if (is(status.snapshot, StepState.Running)) {
      return SNAPSHOTTING;
    }
    boolean copied = !snapshots || is(status.snapshot, StepState.Succeeded);
    boolean initialised = !replicates || is(status.init, StepState.Succeeded);
    if (copied && initialised && (is(status.snapshot, StepState.Succeeded) || is(status.init, StepState.Succeeded))) {
      return replicates ? STREAMING : COMPLETED;
    }
    return NEW;
  }

  private static boolean is(StepStatus step, StepState state) {
    return step != null && step.state == state;
  }
}
