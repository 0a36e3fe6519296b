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

  /** May fall back to an unencrypted connection: never with an admin login. */
  public boolean mayBePlaintext() {
    return this == DISABLE || this == ALLOW || this == PREFER;
  }

  /** Checks the server certificate against a CA. */
  public boolean verifies() {
    return this == VERIFY_CA || this == VERIFY_FULL;
  }

  public String libpqValue() {
    return name().toLowerCase().replace('_', '-');
  }
}
