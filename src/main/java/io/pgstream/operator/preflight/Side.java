package io.pgstream.operator.preflight;

/** Which database a finding is about. */
public enum Side {
  SOURCE,
  TARGET
}
