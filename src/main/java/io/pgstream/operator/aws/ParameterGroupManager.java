package io.pgstream.operator.aws;

import static io.pgstream.operator.aws.AwsCalls.call;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.ApplyMethod;
import software.amazon.awssdk.services.rds.model.DbClusterParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.DbParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.Parameter;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * Opt-in (spec.source.rds.manageParameterGroup, a power the platform team grants): gives the
 * instance or cluster a custom parameter group copied from its default one and sets
 * rds.logical_replication=1 there. It changes only groups it owns, told by their {@link #MANAGED}
 * tag (which it sets when it copies one), never a custom group that other databases may share. It
 * never reboots on its own: {@link #rebootWriter} is asked for by the caller, once per change.
 */
public class ParameterGroupManager {
  static final String PREFIX = "pgstream-";
  static final Tag MANAGED = Tag.builder().key("managed-by").value("pgstream-operator").build();

  private final RdsClient rds;
  private final RdsInspector inspector;

  public ParameterGroupManager(RdsClient rds) {
    this.rds = rds;
    this.inspector = new RdsInspector(rds);
  }

  /** @return what was changed; empty when nothing needed changing (or may not be changed) */
  public List<String> reconcile(RdsFacts facts) throws AwsCallFailed {
    List<String> done = new ArrayList<>();
    RdsResource resource = facts.resource();
    if (facts.logicalReplicationSet()) {
      return done;
    }
    String group = resource.parameterGroup();
    if (resource.defaultGroup()) {
      group = PREFIX + resource.identifier().toLowerCase(Locale.ROOT);
      Optional<Boolean> owned = owned(resource.cluster(), group);
      if (owned.isPresent() && !owned.get()) {
        // Someone else's group under the name the operator would use: neither attached nor changed.
        return done;
      }
      if (owned.isEmpty()) {
        copy(resource, group, done);
      }
      attach(resource, group, done);
    } else if (!owned(resource.cluster(), group).orElse(false)) {
      return done;
    }
    enable(resource.cluster(), group, done);
    return done;
  }

  /**
   * Reboots the resource's writer (without failover) when it is available.
   *
   * @return false when the writer is busy (modifying, rebooting) and was left alone
   */
  public boolean rebootWriter(RdsResource resource) throws AwsCallFailed {
    String writer = resource.writerInstance();
    if (writer == null || !"available".equals(inspector.instance(writer).dbInstanceStatus())) {
      return false;
    }
    call("rds:RebootDBInstance", () -> rds.rebootDBInstance(r -> r.dbInstanceIdentifier(writer).forceFailover(false)));
    return true;
  }

  private void copy(RdsResource resource, String group, List<String> done) throws AwsCallFailed {
    String description = "rds.logical_replication=1 for pgstream, copied from " + resource.parameterGroup();
    if (resource.cluster()) {
      call(
          "rds:CopyDBClusterParameterGroup",
          () ->
              rds.copyDBClusterParameterGroup(
                  r ->
                      r.sourceDBClusterParameterGroupIdentifier(resource.parameterGroup())
                          .targetDBClusterParameterGroupIdentifier(group)
                          .targetDBClusterParameterGroupDescription(description)
                          .tags(MANAGED)));
    } else {
      call(
          "rds:CopyDBParameterGroup",
          () ->
              rds.copyDBParameterGroup(
                  r ->
                      r.sourceDBParameterGroupIdentifier(resource.parameterGroup())
                          .targetDBParameterGroupIdentifier(group)
                          .targetDBParameterGroupDescription(description)
                          .tags(MANAGED)));
    }
    done.add("created " + resource.groupKind() + " " + group + " from " + resource.parameterGroup());
  }

  /** Empty when the group does not exist; else whether it carries the operator's {@link #MANAGED} tag. */
  private Optional<Boolean> owned(boolean cluster, String group) throws AwsCallFailed {
    String arn;
    try {
      arn =
          cluster
              ? call(
                      "rds:DescribeDBClusterParameterGroups",
                      () -> rds.describeDBClusterParameterGroups(r -> r.dbClusterParameterGroupName(group)))
                  .dbClusterParameterGroups().get(0).dbClusterParameterGroupArn()
              : call("rds:DescribeDBParameterGroups", () -> rds.describeDBParameterGroups(r -> r.dbParameterGroupName(group)))
                  .dbParameterGroups().get(0).dbParameterGroupArn();
    } catch (AwsCallFailed failed) {
      if (failed.getCause() instanceof DbParameterGroupNotFoundException
          || failed.getCause() instanceof DbClusterParameterGroupNotFoundException) {
        return Optional.empty();
      }
      if ("AwsAccessDenied".equals(failed.reason())) {
        // IAM scoped to the operator's own groups (README) denies describing anyone else's.
        return Optional.of(false);
      }
      throw failed;
    }
    List<Tag> tags = call("rds:ListTagsForResource", () -> rds.listTagsForResource(r -> r.resourceName(arn))).tagList();
    return Optional.of(tags.contains(MANAGED));
  }

  private void attach(RdsResource resource, String group, List<String> done) throws AwsCallFailed {
    if (resource.cluster()) {
      call("rds:ModifyDBCluster", () -> rds.modifyDBCluster(r -> r.dbClusterIdentifier(resource.identifier()).dbClusterParameterGroupName(group)));
    } else {
      // ApplyImmediately=false: other pending modifications of the instance stay where they were.
      call(
          "rds:ModifyDBInstance",
          () -> rds.modifyDBInstance(r -> r.dbInstanceIdentifier(resource.identifier()).dbParameterGroupName(group).applyImmediately(false)));
    }
    done.add("attached " + group + " to " + resource.identifier());
  }

  private void enable(boolean cluster, String group, List<String> done) throws AwsCallFailed {
    Parameter parameter =
        Parameter.builder().parameterName(RdsInspector.PARAMETER).parameterValue("1").applyMethod(ApplyMethod.PENDING_REBOOT).build();
    if (cluster) {
      call(
          "rds:ModifyDBClusterParameterGroup",
          () -> rds.modifyDBClusterParameterGroup(r -> r.dbClusterParameterGroupName(group).parameters(parameter)));
    } else {
      call("rds:ModifyDBParameterGroup", () -> rds.modifyDBParameterGroup(r -> r.dbParameterGroupName(group).parameters(parameter)));
    }
    done.add("set " + RdsInspector.PARAMETER + "=1 (pending-reboot) in " + group);
  }
}
