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
  INITIALIZING("the init Job runs, nothing copied yet (it may have created the slot)"),
  SNAPSHOTTING("the snapshot Job runs: it finishes with the source, slot and target it started with"),
  STREAMING("data was copied (or init is done, for mode replication): streaming from the slot, or init re-creating it"),
  COMPLETED("mode snapshot: the snapshot is done"),
  FAILED("the snapshot failed, or init failed before anything was copied");

  private final String description;

  Stage(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  /**
   * A copy under way or done decides first: what it copied belongs to the source, slot and target it
   * started with, so a later init (re-run, or re-creating a slot after a gap was accepted) does not
   * make those changeable as if nothing had been copied.
   *
   * @param snapshots whether the pipeline's mode takes a snapshot; {@code replicates} whether it streams
   */
  public static Stage of(PgstreamPipelineStatus status, boolean snapshots, boolean replicates) {
    if (status == null) {
      return NEW;
    }
    if (is(status.snapshot, StepState.Failed)) {
      return FAILED;
    }
    if (is(status.snapshot, StepState.Running)) {
      return SNAPSHOTTING;
    }
    if (snapshots && is(status.snapshot, StepState.Succeeded)) {
      return replicates ? STREAMING : COMPLETED;
    }
    if (is(status.init, StepState.Failed)) {
      return FAILED;
    }
    if (is(status.init, StepState.Running)) {
      return INITIALIZING;
    }
    return !snapshots && replicates && is(status.init, StepState.Succeeded) ? STREAMING : NEW;
  }

  private static boolean is(StepStatus step, StepState state) {
    return step != null && step.state == state;
  }
}
