package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

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

  @JsonPropertyDescription(
      "Also copy objects that belong to no selected schema, such as extensions (pg_dump without a schema filter,"
          + " pgstream's include_global_db_objects); false when omitted.")
  public Boolean includeGlobalDbObjects;

  @Size(max = 63)
  @Pattern("^[A-Za-z_][A-Za-z0-9_$-]*$")
  @JsonPropertyDescription(
      "Role pg_dump switches to (SET ROLE, pg_dump --role) before dumping; the source login must be a member of it."
          + " The source login itself when omitted.")
  public String role;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Settings (name=value, no whitespace) applied only while the target builds indexes and constraints after the"
          + " rows are copied, e.g. maintenance_work_mem=1GB or max_parallel_maintenance_workers=4.")
  public List<@Pattern("^[A-Za-z_][A-Za-z0-9_.]*=\\S+$") @Size(max = 256) String> indexConstraintSessionSettings;
}
