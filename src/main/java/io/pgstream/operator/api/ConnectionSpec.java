package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Where a PostgreSQL database is and how to log in to it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConnectionSpec {
  @Required
  @Size(min = 1, max = 253)
  @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$|^\\[[0-9A-Fa-f:.]+\\]$")
  @JsonPropertyDescription(
      "DNS name or IP address. For RDS/Aurora snapshots use the writer (cluster or instance) endpoint, never a reader.")
  public String host;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("TCP port; 5432 when omitted.")
  public Integer port;

  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[A-Za-z0-9_][-A-Za-z0-9_$.]*$")
  @JsonPropertyDescription("Database name.")
  public String database;

  @JsonPropertyDescription("libpq sslmode; require when omitted (RDS and Aurora accept TLS by default).")
  public SslMode sslMode;

  @Required
  @JsonPropertyDescription("Login role, from a Secret.")
  public SecretValueSource username;

  @Required
  @JsonPropertyDescription("Password, from a Secret. It reaches pgstream as an environment variable only.")
  public SecretValueSource password;

  public int effectivePort() {
    return port == null ? 5432 : port;
  }

  public SslMode effectiveSslMode() {
    return sslMode == null ? SslMode.REQUIRE : sslMode;
  }
}
