package io.pgstream.operator.durable;

import io.pgstream.operator.status.Messages;
import java.util.List;
import java.util.Objects;

/**
 * What a pipeline whose status holds no progress may do, from what outlived the status: its row on
 * the target, its slot on the source, and whether the target tables hold rows. Adopt what settles
 * it; start afresh only when nothing ran before; otherwise {@link Unknown}, because re-copying over
 * rows in service or streaming past a missing snapshot would each lose data silently.
 */
public sealed interface ProgressVerdict {
  /** Take over what ran: init (the slot exists, streaming resumes from it) and/or the snapshot. */
  record Adopt(boolean init, boolean snapshot) implements ProgressVerdict {
    public boolean any() {
      return init || snapshot;
    }
  }

  /** Nothing settles it; {@code found} says what the operator saw. */
  record Unknown(String found) implements ProgressVerdict {}

  /**
   * What outlived the status.
   *
   * @param record the pipeline's row on the target, or null
   * @param slot the slot the spec names (null when the mode does not replicate)
   * @param slotExists the slot exists on the source, in the source database
   * @param slotClaimed another pipeline records that slot: never adopted
   * @param populated target copies of selected tables that hold rows (only for modes that copy data)
   */
  record Findings(ProgressRecord record, String slot, boolean slotExists, boolean slotClaimed, List<String> populated) {}

  public static ProgressVerdict decide(Findings f, boolean snapshots, String sourceDatabase, String nonce) {
    ProgressRecord r = f.record();
    boolean replicates = f.slot() != null;
    if (replicates) {
      if (f.slotClaimed()) {
        return new Unknown("slot " + f.slot() + " exists but another pipeline records it as its own");
      }
      if (r != null && r.initialized() && !(f.slot().equals(r.slot()) && sourceDatabase.equals(r.sourceDatabase()))) {
        return new Unknown(
            "the record on the target names slot %s in source database %s, the spec slot %s in %s: the source or slot changed while status was lost"
                .formatted(r.slot(), r.sourceDatabase(), f.slot(), sourceDatabase));
      }
      if (!f.slotExists() && r != null && (r.initialized() || r.snapshotCompleted())) {
        return new Unknown(
            "the record on the target says init created slot " + f.slot() + ", and it no longer exists on the source:"
                + " the changes since it was last read are gone");
      }
    }
    if (!snapshots) {
      return new Adopt(f.slotExists(), false);
    }
    if (r != null && r.snapshotCompleted()) {
      if (Objects.equals(r.snapshotNonce(), nonce)) {
        return new Adopt(replicates, true);
      }
      return new Unknown(
          "the record on the target is of a snapshot for spec.snapshot.nonce %s (completed %s), the spec asks for %s"
              .formatted(shown(r.snapshotNonce()), r.snapshotCompletedAt(), shown(nonce)));
    }
    if (!f.populated().isEmpty()) {
      return new Unknown(
          "no record of a completed snapshot, but target tables hold rows (" + Messages.firstOf(f.populated(), 10) + ")");
    }
    return new Adopt(replicates && f.slotExists(), false);
  }

  private static String shown(String nonce) {
    return nonce == null ? "(none)" : "'" + nonce + "'";
  }
}
