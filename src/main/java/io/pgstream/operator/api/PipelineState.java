package io.pgstream.operator.api;

/** Whether a pipeline runs (spec.state). */
public enum PipelineState {
  Running,
  /** Nothing new starts and the streaming Deployment is removed; the slot and every record stay. */
  Suspended
}
