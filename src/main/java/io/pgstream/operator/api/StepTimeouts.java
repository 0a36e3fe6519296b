package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * How long a step's Job may run (its activeDeadlineSeconds). A step that hangs (init behind a
 * transaction that never ends, a snapshot stuck on a lock) then fails with InitTimedOut /
 * SnapshotTimedOut instead of sitting in its phase forever.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepTimeouts {
  /** Creating the slot waits for every transaction open at that moment; an hour covers long batch jobs. */
  public static final long DEFAULT_INIT_SECONDS = 3_600L;
  /** A multi-TB copy takes many hours (1 TB at 50 MB/s is about 6 h); three days leaves room for ten. */
  public static final long DEFAULT_SNAPSHOT_SECONDS = 259_200L;

  @Min(60)
  @Max(86400)
  @JsonPropertyDescription(
      "Seconds pgstream init (and destroy) may run; 3600 when omitted. Creating the replication slot waits for every"
          + " transaction open at that moment to end.")
  public Long initSeconds;

  @Min(600)
  @Max(2592000)
  @JsonPropertyDescription("Seconds the snapshot may run; 259200 (3 days) when omitted.")
  public Long snapshotSeconds;

  public long effectiveInitSeconds() {
    return initSeconds == null ? DEFAULT_INIT_SECONDS : initSeconds;
  }

  public long effectiveSnapshotSeconds() {
    return snapshotSeconds == null ? DEFAULT_SNAPSHOT_SECONDS : snapshotSeconds;
  }
}
