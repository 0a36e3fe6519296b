package io.pgstream.operator.dependent;

import io.pgstream.operator.config.RenderedConfig;
import java.util.Objects;

/**
 * The inputs whose change means a step must run again: for init (and destroy) the source it
 * connects to and the slot, for the snapshot its rendered config and the nonce.
 *
 * @param hash covers all of them; recorded as the Job's {@link Children#STEP_HASH_ANNOTATION} and in
 *     StepStatus.configHash
 * @param nonce for the snapshot, spec.snapshot.nonce ("" when unset): only a new nonce repeats a
 *     snapshot that succeeded, or stops one that runs; null for the other steps
 */
public record StepIdentity(String hash, String nonce) {
  public static StepIdentity of(Step step, RenderedConfig config, String nonce) {
    return step == Step.SNAPSHOT
        ? new StepIdentity(config.snapshotHash(), Objects.toString(nonce, ""))
        : new StepIdentity(config.initHash(), null);
  }
}
