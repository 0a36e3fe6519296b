package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The source's RDS instance or Aurora cluster, inspected through the AWS API with the operator's
 * own AWS credentials (default chain: IRSA, Pod Identity, ...). The operator uses it only when its
 * RDS tag pgstream.io/namespaces names the pipeline's namespace and spec.source.host/port are its
 * described endpoint; every field beyond reading needs a power the platform team grants per
 * namespace. Nothing in AWS changes unless manageParameterGroup is true.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.instanceIdentifier) != has(self.clusterIdentifier)",
    message = "set exactly one of instanceIdentifier and clusterIdentifier")
public class RdsSpec {
  @Required
  @Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$")
  @JsonPropertyDescription("AWS region, e.g. eu-west-1.")
  public String region;

  @Size(min = 1, max = 63)
  @Pattern("^[a-zA-Z][a-zA-Z0-9-]*$")
  @JsonPropertyDescription(
      "DB instance identifier of an RDS for PostgreSQL instance; its tag pgstream.io/namespaces must name this"
          + " namespace (space-separated), and spec.source.host/port must be its endpoint.")
  public String instanceIdentifier;

  @Size(min = 1, max = 63)
  @Pattern("^[a-zA-Z][a-zA-Z0-9-]*$")
  @JsonPropertyDescription(
      "DB cluster identifier of an Aurora PostgreSQL cluster; its tag pgstream.io/namespaces must name this"
          + " namespace (space-separated), and spec.source.host/port must be its (writer) endpoint.")
  public String clusterIdentifier;

  @JsonPropertyDescription(
      "Let the operator give the instance (cluster) a custom parameter group copied from a default one and set"
          + " rds.logical_replication=1 in groups it owns (tag managed-by=pgstream-operator); false when omitted. Needs the operator flag"
          + " --allow-rds-parameter-group-changes for this namespace.")
  public Boolean manageParameterGroup;

  @JsonPropertyDescription(
      "Never (default) or Immediate: reboot the writer, once, to apply a change of rds.logical_replication the operator"
          + " made itself (never for other staged changes); Immediate needs the operator flag --allow-rds-reboot for this"
          + " namespace.")
  public RebootPolicy rebootPolicy;

  @JsonPropertyDescription(
      "Take the admin login of spec.prepare.source from the RDS-managed master user secret in Secrets Manager"
          + " instead of a Kubernetes Secret; false when omitted. Needs the operator flag --allow-rds-master-secret"
          + " for this namespace and spec.source.sslMode verify-full.")
  public Boolean masterUserSecret;

  @JsonPropertyDescription(
      "Log in as the admin of spec.prepare.source with an IAM authentication token (rds-db:connect) instead of a"
          + " password; only for the operator's own checks and preparation; false when omitted. Needs the operator"
          + " flag --allow-rds-iam-admin for this namespace and spec.source.sslMode verify-full.")
  public Boolean iamAuthentication;

  /**
   * masterUserSecret or iamAuthentication is set: each asks for its power even without
   * spec.prepare.source, but only that admin ever uses the login (see
   * {@link PgstreamPipelineSpec#adminFromAws}).
   */
  public boolean asksForAwsAdmin() {
    return Boolean.TRUE.equals(masterUserSecret) || Boolean.TRUE.equals(iamAuthentication);
  }

  public boolean targetsCluster() {
    return clusterIdentifier != null;
  }

  public String identifier() {
    return targetsCluster() ? clusterIdentifier : instanceIdentifier;
  }
}
