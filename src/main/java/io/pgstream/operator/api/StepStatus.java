package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Progress of one Job-run step. {@code configHash} ties the record to the inputs it ran with, so a
 * restarted operator knows the step is done and does not run it again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepStatus {
  public StepState state;
  /** The step's identity: inputs whose change means the step must run again. */
  public String configHash;
  /** The step's template: inputs that only change how it runs (image, resources, credentials version). */
  public String templateHash;
  public String job;
  public String completedAt;
  public String message;
  /** The step condition's reason when it is not the plain one (e.g. SpecChangedDuringSnapshot, SnapshotTimedOut). */
  public String reason;
  /**
   * For the snapshot: the spec.tables patterns of the selection the target holds (what the snapshot
   * copied, widened by each backfill, narrowed when the spec drops tables). For a backfill: what it copies.
   */
  public List<String> tables;
  /** The spec.excludedTables names that go with {@link #tables}. */
  public List<String> excludedTables;
  /** For the snapshot: the spec.snapshot.nonce it ran for. */
  public String nonce;
  /**
   * For the snapshot (or backfill) of a streaming pipeline: the source's WAL position when it was
   * seen complete, the last position the operator knows the target held.
   */
  public String lsn;
  /** Automatic re-runs (spec.retry) made for these inputs since the step last started otherwise. */
  public Integer attempts;
  /** When the failed step runs again by itself (spec.retry); absent when it will not. */
  public String nextRetryAt;
  /** For status.backfill: true when it re-copies tables the target held (spec.snapshot.resnapshot), emptied first. */
  public Boolean resnapshot;

  public boolean succeededFor(String hash) {
    return state == StepState.Succeeded && hash.equals(configHash);
  }
}
