package io.pgstream.operator.aws;

import static io.pgstream.operator.aws.AwsCalls.call;

import io.pgstream.operator.api.RdsSpec;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterMember;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DBParameterGroupStatus;
import software.amazon.awssdk.services.rds.model.Parameter;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * Reads the instance or Aurora cluster, its parameter group, rds.logical_replication and whether a
 * reboot is pending, with read-only RDS calls. An Aurora cluster's value lives in its DB cluster
 * parameter group; an instance's in its DB parameter group. {@link #describe} comes first and alone,
 * so that nothing more is read about a resource the pipeline may not use.
 */
public class RdsInspector {
  static final String PARAMETER = "rds.logical_replication";
  private static final Logger LOG = LoggerFactory.getLogger(RdsInspector.class);

  private final RdsClient rds;

  public RdsInspector(RdsClient rds) {
    this.rds = rds;
  }

  /**
   * The instance, or the Aurora cluster it (or the spec) names: one describe call, two for a cluster
   * member. A resource that does not exist or that IAM denies by name is {@link RdsResource#unseen},
   * which no namespace may use, so that a pipeline learns no more about it than about an untagged one.
   */
  public RdsResource describe(RdsSpec spec) throws AwsCallFailed {
    try {
      return described(spec);
    } catch (AwsCallFailed failed) {
      if (!failed.aboutTheResource()) {
        throw failed;
      }
      RdsResource unseen = RdsResource.unseen(spec.targetsCluster(), spec.identifier());
      // The platform team's log keeps what the pipeline is not told.
      LOG.info("{} {} in {} is unseen: {}", unseen.kind(), unseen.identifier(), spec.region, failed.getMessage());
      return unseen;
    }
  }

  private RdsResource described(RdsSpec spec) throws AwsCallFailed {
    if (spec.targetsCluster()) {
      return cluster(describeCluster(spec.clusterIdentifier));
    }
    DBInstance instance = instance(spec.instanceIdentifier);
    if (instance.dbClusterIdentifier() != null) {
      // An Aurora member: the parameter, the writer, the endpoint and the tag belong to its cluster.
      return cluster(describeCluster(instance.dbClusterIdentifier()));
    }
    DBParameterGroupStatus group = instance.dbParameterGroups().get(0);
    return new RdsResource(
        false,
        instance.dbInstanceIdentifier(),
        instance.engine(),
        instance.engineVersion(),
        instance.endpoint() == null ? null : instance.endpoint().address(),
        null,
        instance.endpoint() == null || instance.endpoint().port() == null ? 5432 : instance.endpoint().port(),
        instance.dbInstanceIdentifier(),
        group.dbParameterGroupName(),
        "pending-reboot".equals(group.parameterApplyStatus()),
        instance.masterUserSecret() == null ? null : instance.masterUserSecret().secretArn(),
        namespacesTag(instance.tagList()));
  }

  /** The resource's rds.logical_replication, from its parameter group. */
  public RdsFacts inspect(RdsResource resource) throws AwsCallFailed {
    List<Parameter> parameters =
        resource.cluster() ? clusterParameters(resource.parameterGroup()) : instanceParameters(resource.parameterGroup());
    return new RdsFacts(resource, value(parameters));
  }

  DBInstance instance(String id) throws AwsCallFailed {
    return call("rds:DescribeDBInstances", () -> rds.describeDBInstances(r -> r.dbInstanceIdentifier(id)))
        .dbInstances()
        .get(0);
  }

  private DBCluster describeCluster(String id) throws AwsCallFailed {
    return call("rds:DescribeDBClusters", () -> rds.describeDBClusters(r -> r.dbClusterIdentifier(id))).dbClusters().get(0);
  }

  private static RdsResource cluster(DBCluster cluster) {
    DBClusterMember writer =
        cluster.dbClusterMembers().stream().filter(m -> Boolean.TRUE.equals(m.isClusterWriter())).findFirst().orElse(null);
    return new RdsResource(
        true,
        cluster.dbClusterIdentifier(),
        cluster.engine(),
        cluster.engineVersion(),
        cluster.endpoint(),
        cluster.readerEndpoint(),
        cluster.port() == null ? 5432 : cluster.port(),
        writer == null ? null : writer.dbInstanceIdentifier(),
        cluster.dbClusterParameterGroup(),
        writer != null && "pending-reboot".equals(writer.dbClusterParameterGroupStatus()),
        cluster.masterUserSecret() == null ? null : cluster.masterUserSecret().secretArn(),
        namespacesTag(cluster.tagList()));
  }

  private static String namespacesTag(List<Tag> tags) {
    return tags.stream().filter(t -> RdsResource.NAMESPACES_TAG.equals(t.key())).map(Tag::value).findFirst().orElse(null);
  }

  private List<Parameter> instanceParameters(String group) throws AwsCallFailed {
    return call(
        "rds:DescribeDBParameters",
        () -> rds.describeDBParametersPaginator(r -> r.dbParameterGroupName(group)).parameters().stream().toList());
  }

  private List<Parameter> clusterParameters(String group) throws AwsCallFailed {
    return call(
        "rds:DescribeDBClusterParameters",
        () -> rds.describeDBClusterParametersPaginator(r -> r.dbClusterParameterGroupName(group)).parameters().stream().toList());
  }

  /** Values only: AWS reports apply methods nobody asked for, comparing them would never settle. */
  private static String value(List<Parameter> parameters) {
    // An unset parameter comes without a value: null, not "0".
    return parameters.stream()
        .filter(p -> PARAMETER.equals(p.parameterName()))
        .findFirst()
        .map(Parameter::parameterValue)
        .orElse(null);
  }
}
