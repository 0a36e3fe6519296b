package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Set while status held no progress and the durable records did not settle what ran before
 * (condition reason SnapshotStateUnknown): the spec values in force then, so that only a new value
 * of either counts as the user's answer.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UnsettledProgress {
  /** spec.snapshot.nonce when the block began; another value takes a new snapshot. */
  public String nonce;
  /** spec.acknowledgeGap when the block began; another value streams on without a snapshot. */
  public String acknowledgeGap;
  public String since;
}
