package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The database changes are read from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SourceSpec extends ConnectionSpec {
  @JsonPropertyDescription("The RDS instance or Aurora cluster behind the source, for checks through the AWS API.")
  public RdsSpec rds;

  /** With the RDS API in use, credentials worth stealing travel here: verify the endpoint by default. */
  @Override
  public SslMode effectiveSslMode() {
    return sslMode == null && rds != null ? SslMode.VERIFY_FULL : super.effectiveSslMode();
  }
}
