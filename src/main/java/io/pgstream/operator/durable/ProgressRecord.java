package io.pgstream.operator.durable;

import java.util.List;

/**
 * What one pipeline finished, as kept on its target outside Kubernetes: the init that created its
 * slot and the snapshot it copied. Facts and names only, never a credential.
 *
 * @param uid the pipeline's UID when written, for information: a re-created pipeline has another
 * @param slot the replication slot init created (null for mode snapshot)
 * @param initializedAt when init was seen complete; null when it has not run (or mode snapshot)
 * @param snapshotNonce the spec.snapshot.nonce the snapshot ran for (null: none set)
 * @param snapshotTables the tables the snapshot copied, when status knew them
 * @param snapshotCompletedAt when the snapshot was seen complete; null when none completed
 */
public record ProgressRecord(
    String namespace,
    String name,
    String uid,
    String mode,
    String sourceHost,
    Integer sourcePort,
    String sourceDatabase,
    String slot,
    String initializedAt,
    String snapshotNonce,
    String snapshotHash,
    List<String> snapshotTables,
    String snapshotCompletedAt) {

  public boolean initialized() {
    return initializedAt != null;
  }

  public boolean snapshotCompleted() {
    return snapshotCompletedAt != null;
  }
}
