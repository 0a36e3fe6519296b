package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.RdsStatus;
import io.pgstream.operator.aws.AwsCallFailed;
import io.pgstream.operator.aws.AwsClients;
import io.pgstream.operator.aws.ParameterGroupManager;
import io.pgstream.operator.aws.RdsFacts;
import io.pgstream.operator.aws.RdsInspector;
import io.pgstream.operator.aws.RdsLogins;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.util.List;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * With spec.source.rds: asks the AWS API whether logical replication is on (and, when the user opted
 * in, turns it on), into the RdsLogicalReplication condition. Once it is on for a config the API is
 * not asked again, so a streaming pipeline costs no AWS calls.
 */
final class RdsGate {
  private final AwsClients clients;
  private final EventRecorder events;

  RdsGate(AwsClients clients, EventRecorder events) {
    this.clients = clients;
    this.events = events;
  }

  /** Null when the pipeline may go on. */
  Blocker check(PgstreamPipeline p, StatusUpdater s, RenderedConfig config) {
    RdsSpec spec = p.getSpec().source.rds;
    PgstreamPipelineStatus st = s.status();
    if (spec == null) {
      st.rds = null;
      return null;
    }
    if (!p.getSpec().mode.replicates()) {
      s.set(ConditionType.RdsLogicalReplication, true, "NotRequired", "mode snapshot needs no logical replication");
      return null;
    }
    if (st.rds != null && config.contentHash().equals(st.rds.enabledForConfig)) {
      return null;
    }
    try (RdsClient rds = clients.rds(spec.region)) {
      RdsFacts facts = new RdsInspector(rds).inspect(spec);
      if (Boolean.TRUE.equals(spec.manageParameterGroup)) {
        List<String> done = new ParameterGroupManager(rds).reconcile(spec, facts);
        if (!done.isEmpty()) {
          events.normal(p, "ParameterGroupChanged", String.join("; ", done));
          facts = new RdsInspector(rds).inspect(spec);
        }
      }
      st.rds = status(facts);
      Blocker problem = verdict(p, facts);
      if (problem == null) {
        st.rds.enabledForConfig = config.contentHash();
        s.set(
            ConditionType.RdsLogicalReplication,
            true,
            "Enabled",
            "rds.logical_replication=1 is in effect in %s %s of %s".formatted(facts.groupKind(), facts.parameterGroup(), facts.identifier()));
        return null;
      }
      s.set(ConditionType.RdsLogicalReplication, false, problem.reason(), problem.message());
      return problem;
    } catch (AwsCallFailed e) {
      s.set(ConditionType.RdsLogicalReplication, false, e.reason(), e.getMessage());
      return new Blocker(e.reason(), e.getMessage());
    }
  }

  /** The source admin from AWS when spec.source.rds says so, for preparation only. */
  ResolvedCredentials withAwsAdmin(PgstreamPipeline p, ResolvedCredentials creds) throws AwsCallFailed {
    RdsSpec spec = p.getSpec().source.rds;
    if (spec == null || p.getSpec().prepare == null || p.getSpec().prepare.source == null) {
      return creds;
    }
    if (Boolean.TRUE.equals(spec.masterUserSecret)) {
      try (RdsClient rds = clients.rds(spec.region);
          SecretsManagerClient secrets = clients.secretsManager(spec.region)) {
        String arn = new RdsInspector(rds).masterUserSecretArn(spec);
        if (arn == null) {
          throw new IllegalStateException(spec.identifier() + " has no RDS-managed master user secret");
        }
        return creds.withSourceAdmin(RdsLogins.masterUserSecret(secrets, arn));
      }
    }
    if (Boolean.TRUE.equals(spec.iamAuthentication) && creds.sourceAdmin().isPresent()) {
      try (RdsClient rds = clients.rds(spec.region)) {
        Login admin = creds.sourceAdmin().get();
        return creds.withSourceAdmin(
            RdsLogins.iamToken(rds, p.getSpec().source.host, p.getSpec().source.effectivePort(), admin.user()));
      }
    }
    return creds;
  }

  private static Blocker verdict(PgstreamPipeline p, RdsFacts f) {
    String host = p.getSpec().source.host;
    if (f.readerEndpoint() != null && f.readerEndpoint().equalsIgnoreCase(host)) {
      return new Blocker(
          "ReaderEndpoint",
          "spec.source.host is the reader endpoint of " + f.identifier() + "; use the writer (cluster) endpoint "
              + f.writerEndpoint() + ".");
    }
    String target = f.cluster() ? "cluster " + f.identifier() : "instance " + f.identifier();
    String reboot = "reboot the writer " + f.writerInstance() + " (Actions → Reboot, without failover)";
    if (f.logicalReplicationSet() && f.pendingReboot()) {
      return new Blocker(
          "PendingReboot",
          "rds.logical_replication=1 is set in %s %s but waits for a reboot: %s, or set spec.source.rds.rebootPolicy: Immediate with manageParameterGroup: true."
              .formatted(f.groupKind(), f.parameterGroup(), reboot));
    }
    if (f.logicalReplicationSet()) {
      return null;
    }
    if (f.defaultGroup()) {
      return new Blocker(
          "DefaultParameterGroup",
          ("%s uses the default %s %s, which cannot be changed. In the RDS console: create a custom %s of the same"
                  + " family, set rds.logical_replication=1 in it, attach it to the %s (Modify), then %s. Or set"
                  + " spec.source.rds.manageParameterGroup: true.")
              .formatted(target, f.groupKind(), f.parameterGroup(), f.groupKind(), target, reboot));
    }
    return new Blocker(
        "LogicalReplicationOff",
        "rds.logical_replication is %s in %s %s of %s: set it to 1 (Parameter groups → Edit), then %s. The operator changes only groups it created (pgstream-*)."
            .formatted(f.logicalReplication() == null ? "unset" : f.logicalReplication(), f.groupKind(), f.parameterGroup(), target, reboot));
  }

  private static RdsStatus status(RdsFacts f) {
    RdsStatus s = new RdsStatus();
    s.engine = f.engine();
    s.engineVersion = f.engineVersion();
    s.writerEndpoint = f.writerEndpoint();
    s.parameterGroup = f.parameterGroup();
    s.logicalReplication = f.logicalReplication();
    s.pendingReboot = f.pendingReboot();
    return s;
  }
}
