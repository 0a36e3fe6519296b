package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** libpq {@code sslmode} values. */
public enum SslMode {
  @JsonProperty("disable")
  DISABLE,
  @JsonProperty("allow")
  ALLOW,
  @JsonProperty("prefer")
  PREFER,
  @JsonProperty("require")
  REQUIRE,
  @JsonProperty("verify-ca")
  VERIFY_CA,
  @JsonProperty("verify-full")
  VERIFY_FULL;

  public String libpqValue() {
    return name().toLowerCase().replace('_', '-');
  }
}
