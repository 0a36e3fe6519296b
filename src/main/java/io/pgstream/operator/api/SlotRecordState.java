package io.pgstream.operator.api;

/** Whether a recorded slot is the one the pipeline streams from. */
public enum SlotRecordState {
  Current,
  Abandoned
}
