package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The pg_dump / pg_restore schema copy (snapshot modes full and schema). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchemaSnapshotSpec {
  @JsonPropertyDescription(
      "Copy roles: enabled, disabled or no_passwords. disabled when omitted, because RDS and Aurora do not let "
          + "anyone read pg_authid.")
  public RolesSnapshotMode rolesSnapshotMode;

  @JsonPropertyDescription("pg_dump --no-owner; true when omitted.")
  public Boolean noOwner;

  @JsonPropertyDescription("pg_dump --no-privileges; true when omitted.")
  public Boolean noPrivileges;

  @JsonPropertyDescription("Create the target database (needs CREATEDB); false when omitted.")
  public Boolean createTargetDb;

  @JsonPropertyDescription(
      "Drop the target's existing objects before copying (pg_dump --clean). Destroys data on the target; false when omitted.")
  public Boolean cleanTargetDb;
}
