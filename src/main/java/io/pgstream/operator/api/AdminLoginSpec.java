package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What spec.prepare shares on both sides: the admin login it acts with on one database server, and
 * what it may do to the pipeline's own login there.
 */
public abstract class AdminLoginSpec {
  @JsonPropertyDescription(
      "Admin login (RDS: the master user), from a Secret. Not needed with spec.source.rds.masterUserSecret.")
  public SecretValueSource adminUsername;

  @JsonPropertyDescription(
      "Admin password, from a Secret. Not needed with spec.source.rds.masterUserSecret or iamAuthentication.")
  public SecretValueSource adminPassword;

  @JsonPropertyDescription(
      "Create the pipeline's login on this side if missing, marked as managed by the operator for this namespace,"
          + " and keep the password of a login so marked in step with the Secret; true when omitted. A login the"
          + " operator did not create is never changed (see adoptExistingRole).")
  public Boolean createRole;

  @JsonPropertyDescription(
      "Let the operator mark an existing login it did not create as its own, then manage it like one it created:"
          + " set its password to the Secret's and grant it rights. Never for the admin itself, superusers,"
          + " rds_superuser members, roles with CREATEROLE, or logins marked by another namespace; not with an"
          + " admin from AWS (spec.source.rds.masterUserSecret or iamAuthentication); false when omitted.")
  public Boolean adoptExistingRole;
}
