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
  public static final int DEFAULT_TIMEOUT_MILLIS = 1000;
  public static final int DEFAULT_SIZE = 100;
  public static final long DEFAULT_MAX_BYTES = 1_572_864L;
  public static final long DEFAULT_MAX_QUEUE_BYTES = 104_857_600L;

  @Min(1)
  @Max(3600000)
  @JsonPropertyDescription("Flush a batch after this many milliseconds; 1000 when omitted.")
  public Integer timeoutMillis;

  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription("Flush a batch at this many messages; 100 when omitted.")
  public Integer size;

  @Min(1024)
  @JsonPropertyDescription("Flush a batch at this many bytes; 1572864 (1.5 MiB) when omitted.")
  public Long maxBytes;

  @Min(1024)
  @JsonPropertyDescription(
      "Memory bound of the writer queue in bytes; 104857600 (100 MiB) when omitted. Must be at least maxBytes.")
  public Long maxQueueBytes;
}
