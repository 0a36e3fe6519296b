package io.pgstream.operator.api;

/** State of a one-shot step (init, snapshot, destroy) run as a Job. */
public enum StepState {
  Running,
  Succeeded,
  Failed
}
