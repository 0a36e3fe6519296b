package io.pgstream.operator.api;

public enum VerificationState {
  Running,
  Matched,
  Mismatched,
  Failed
}
