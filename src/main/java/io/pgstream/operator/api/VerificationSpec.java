package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/** An on-demand comparison of source and target, table by table. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VerificationSpec {
  @Size(max = 63)
  @JsonPropertyDescription(
      "Set or change this value to compare source and target once (row counts and a checksum per table);"
          + " status.verification reports the result for this value.")
  public String request;

  @Min(1000)
  @Max(10000000)
  @JsonPropertyDescription("Rows read per chunk of a table; 100000 when omitted.")
  public Integer chunkRows;

  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Statement timeout of each chunk query, in seconds; 60 when omitted.")
  public Integer statementTimeoutSeconds;
}
