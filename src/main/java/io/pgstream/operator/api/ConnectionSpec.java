package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.pgstream.operator.tls.CaBundle;

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

  @JsonPropertyDescription(
      "libpq sslmode. When omitted: verify-full if a CA bundle is given (caBundle, or the operator's default"
          + " bundle) or spec.source.rds is set, else require. disable, allow and prefer are refused on a side"
          + " with an admin login (spec.prepare); an admin of spec.prepare.source from AWS (the RDS master user"
          + " secret or IAM authentication) needs verify-full. verify-ca needs a CA bundle. require with caBundle"
          + " also checks the CA, as libpq does.")
  public SslMode sslMode;

  @JsonPropertyDescription(
      "PEM certificates of the CA that signed the database's server certificate, from a ConfigMap or Secret in the"
          + " pipeline's namespace. The operator verifies with it and copies it into the pipeline's ConfigMap for the"
          + " pgstream pods (sslrootcert). When omitted, the operator's default bundle (chart value"
          + " tls.defaultCaBundle) is used if there is one, unless sslMode is set to require or weaker; without"
          + " any bundle verify-full trusts the public CAs. Refused on the source when the admin of"
          + " spec.prepare.source comes from AWS: that login trusts only the operator's default bundle.")
  public CaBundleSource caBundle;

  /**
   * The bundle this connection trusts, read from {@link #caBundle} or the operator's default by the
   * reconciler for the current reconcile; not part of the resource.
   */
  @JsonIgnore public CaBundle trustedCa;

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
    if (sslMode != null) {
      return sslMode;
    }
    return hasCa() ? SslMode.VERIFY_FULL : SslMode.REQUIRE;
  }

  /** A CA bundle is given: referenced by the spec, or the operator's default was resolved for it. */
  public boolean hasCa() {
    return caBundle != null || trustedCa != null;
  }
}
