package io.pgstream.operator.preflight;

/** An error blocks the pipeline; a warning is reported and lets it run. */
public enum Severity {
  ERROR,
  WARNING
}
