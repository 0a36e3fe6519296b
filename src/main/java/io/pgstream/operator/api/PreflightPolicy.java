package io.pgstream.operator.api;

/** Whether the operator checks the databases before it starts pgstream. */
public enum PreflightPolicy {
  /** Check source and target; start nothing until both pass (the default). */
  Enforce,
  /** Do not connect to the databases (e.g. the operator's network cannot reach them). */
  Skip
}
