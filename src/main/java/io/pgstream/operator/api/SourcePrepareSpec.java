package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What the operator may set up on the source with an admin login (the RDS master user). Safe
 * actions are on unless turned off; actions that hand out admin rights are off unless turned on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SourcePrepareSpec extends AdminLoginSpec {
  @JsonPropertyDescription("GRANT rds_replication (RDS) or ALTER ROLE ... REPLICATION (superuser admin); true when omitted.")
  public Boolean grantReplication;

  @JsonPropertyDescription(
      "GRANT USAGE and SELECT on the snapshot's schemas and tables, and default privileges for future tables; true when omitted.")
  public Boolean grantRead;

  @JsonPropertyDescription("GRANT CREATE ON DATABASE so pgstream init can create schema pgstream; true when omitted.")
  public Boolean grantCreateOnDatabase;

  @JsonPropertyDescription(
      "Run pgstream init as the admin (it needs rights to create event triggers), then give schema pgstream and its"
          + " tables and sequences to the source login, as pgstream's RDS guide describes; false when omitted.")
  public Boolean initAsAdmin;

  @JsonPropertyDescription(
      "GRANT rds_superuser to the source login: full admin rights. Only when you mean it, and only with an admin from a"
          + " Kubernetes Secret, never one from AWS; false when omitted.")
  public Boolean grantRdsSuperuser;
}
