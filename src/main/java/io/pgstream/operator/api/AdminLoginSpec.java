package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The admin login spec.prepare acts with on one database server. */
public abstract class AdminLoginSpec {
  @Required
  @JsonPropertyDescription("Admin login (RDS: the master user), from a Secret.")
  public SecretValueSource adminUsername;

  @Required
  @JsonPropertyDescription("Admin password, from a Secret.")
  public SecretValueSource adminPassword;
}
