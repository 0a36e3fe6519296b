package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The admin login spec.prepare acts with on one database server. */
public abstract class AdminLoginSpec {
  @JsonPropertyDescription(
      "Admin login (RDS: the master user), from a Secret. Not needed with spec.source.rds.masterUserSecret.")
  public SecretValueSource adminUsername;

  @JsonPropertyDescription(
      "Admin password, from a Secret. Not needed with spec.source.rds.masterUserSecret or iamAuthentication.")
  public SecretValueSource adminPassword;
}
