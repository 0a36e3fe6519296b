package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * Target writer batching. The operator always renders every value: pgstream's own defaults change
 * silently when bulk ingest switches on (20000 messages / 30 s), which also hits replication.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BatchSpec {
  /**
   * A change waits at most this long for its batch: at low rates the timeout is the lag (make bench-data:
   * pgstream 1.3.1's own 1 s gave p99 lag near 1 s at 10 tx/s). A backlog fills batches by size, so its
   * apply rate does not depend on it.
   */
  public static final int DEFAULT_TIMEOUT_MILLIS = 100;
  /**
   * A backlog fills batches by size. pgstream 1.3.1 commits each run of same-table changes in its own transaction
   * whatever the batch holds, yet 500 applied faster than 100 in 5 of 6 paired rounds of make bench-data (medians 20-25%
   * higher) on a quiet machine (results/bench-data.md), and 1000 was not faster than 500; maxBytes still bounds a batch's memory.
   */
  public static final int DEFAULT_SIZE = 500;
  public static final long DEFAULT_MAX_BYTES = 1_572_864L;
  public static final long DEFAULT_MAX_QUEUE_BYTES = 104_857_600L;

  @Min(1)
  @Max(3600000)
  @JsonPropertyDescription("Flush a batch after this many milliseconds; " + DEFAULT_TIMEOUT_MILLIS + " when omitted.")
  public Integer timeoutMillis;

  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription("Flush a batch at this many messages; " + DEFAULT_SIZE + " when omitted.")
  public Integer size;

  @Min(1024)
  @JsonPropertyDescription("Flush a batch at this many bytes; 1572864 (1.5 MiB) when omitted.")
  public Long maxBytes;

  @Min(1024)
  @JsonPropertyDescription(
      "Memory bound of the writer queue in bytes; 104857600 (100 MiB) when omitted. Must be at least maxBytes.")
  public Long maxQueueBytes;
}
