package io.pgstream.operator.dependent;

import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import java.util.Objects;

/**
 * The inputs whose change means a step must run again: for init (and destroy) the source it
 * connects to and the slot, for the snapshot its rendered config and the nonce, for a backfill its file.
 *
 * @param hash covers all of them; recorded as the Job's {@link Children#STEP_HASH_ANNOTATION} and in
 *     StepStatus.configHash
 * @param nonce for the snapshot, spec.snapshot.nonce ("" when unset): only a new nonce repeats a
 *     snapshot that succeeded, or stops one that runs; null for the other steps
 */
public record StepIdentity(String hash, String nonce) {
  public static StepIdentity of(Step step, RenderedConfig config, String nonce) {
    return switch (step) {
      case SNAPSHOT -> new StepIdentity(config.snapshotHash(), Objects.toString(nonce, ""));
      case INIT, DESTROY -> new StepIdentity(config.initHash(), null);
      // The backfill's file lists just the tables it copies, and is rendered while it runs.
      case BACKFILL -> new StepIdentity(Hashes.shortHash(config.files().getOrDefault(PgstreamConfigRenderer.BACKFILL_FILE, "")), null);
    };
  }
}
