package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * Automatic re-runs of a failed init or snapshot (spec.retry): a failure that may pass by itself (a
 * database restarting, a network blip) need not wait for a person. Which failures qualify is the
 * operator's rule (reconciler/AutoRetry), not a setting.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepRetry {
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final long DEFAULT_BACKOFF_SECONDS = 30L;
  public static final long DEFAULT_MAX_BACKOFF_SECONDS = 600L;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription(
      "Automatic re-runs of a failed init or snapshot, after a failure that may pass by itself; 3 when omitted, 0 turns"
          + " automatic retry off. After the last one the step condition's reason is RetriesExhausted.")
  public Integer maxAttempts;

  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Seconds before the first automatic re-run; each further one waits twice as long. 30 when omitted.")
  public Long backoffSeconds;

  @Min(1)
  @Max(86400)
  @JsonPropertyDescription("The longest wait between automatic re-runs, in seconds; 600 when omitted.")
  public Long maxBackoffSeconds;

  public int effectiveMaxAttempts() {
    return maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts;
  }

  public long effectiveBackoffSeconds() {
    return backoffSeconds == null ? DEFAULT_BACKOFF_SECONDS : backoffSeconds;
  }

  public long effectiveMaxBackoffSeconds() {
    return maxBackoffSeconds == null ? DEFAULT_MAX_BACKOFF_SECONDS : maxBackoffSeconds;
  }
}
