package io.pgstream.operator.aws;

import static io.pgstream.operator.aws.AwsCalls.call;

import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.RebootPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.ApplyMethod;
import software.amazon.awssdk.services.rds.model.DbClusterParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.DbParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.Parameter;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * Opt-in (spec.source.rds.manageParameterGroup, a power the platform team grants): gives the
 * instance or cluster a custom parameter group copied from its default one, sets
 * rds.logical_replication=1 there, and reboots the writer only under rebootPolicy Immediate. It changes only groups it created (named pgstream-*), never a
 * custom group that other databases may share.
 */
public class ParameterGroupManager {
  static final String PREFIX = "pgstream-";
  private static final Tag MANAGED = Tag.builder().key("managed-by").value("pgstream-operator").build();

  private final RdsClient rds;
  private final RdsInspector inspector;

  public ParameterGroupManager(RdsClient rds) {
    this.rds = rds;
    this.inspector = new RdsInspector(rds);
  }

  public static boolean ownedGroup(String name) {
    return name != null && name.startsWith(PREFIX);
  }

  /** @return what was changed; empty when nothing needed changing (or may not be changed) */
  public List<String> reconcile(RdsSpec spec, RdsFacts facts) throws AwsCallFailed {
    List<String> done = new ArrayList<>();
    RdsResource resource = facts.resource();
    String group = resource.parameterGroup();
    boolean pendingReboot = resource.pendingReboot();
    if (resource.defaultGroup() && !facts.logicalReplicationSet()) {
      group = PREFIX + resource.identifier().toLowerCase(Locale.ROOT);
      copy(resource, group, done);
      attach(resource, group, done);
      pendingReboot = true;
    }
    if (ownedGroup(group) && !facts.logicalReplicationSet()) {
      enable(resource.cluster(), group, done);
      pendingReboot = true;
    }
    String writer = resource.writerInstance();
    if (pendingReboot
        && spec.rebootPolicy == RebootPolicy.Immediate
        && writer != null
        && "available".equals(inspector.instance(writer).dbInstanceStatus())) {
      call("rds:RebootDBInstance", () -> rds.rebootDBInstance(r -> r.dbInstanceIdentifier(writer).forceFailover(false)));
      done.add("rebooted " + writer + " to apply " + RdsInspector.PARAMETER);
    }
    return done;
  }

  private void copy(RdsResource resource, String group, List<String> done) throws AwsCallFailed {
    if (exists(resource.cluster(), group)) {
      return;
    }
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

  private boolean exists(boolean cluster, String group) throws AwsCallFailed {
    try {
      if (cluster) {
        call("rds:DescribeDBClusterParameterGroups", () -> rds.describeDBClusterParameterGroups(r -> r.dbClusterParameterGroupName(group)));
      } else {
        call("rds:DescribeDBParameterGroups", () -> rds.describeDBParameterGroups(r -> r.dbParameterGroupName(group)));
      }
      return true;
    } catch (AwsCallFailed failed) {
      if (failed.getCause() instanceof DbParameterGroupNotFoundException
          || failed.getCause() instanceof DbClusterParameterGroupNotFoundException) {
        return false;
      }
      throw failed;
    }
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
