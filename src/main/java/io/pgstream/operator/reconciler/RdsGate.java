package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.RdsStatus;
import io.pgstream.operator.aws.AwsCallFailed;
import io.pgstream.operator.aws.AwsClients;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.aws.ParameterGroupManager;
import io.pgstream.operator.aws.RdsFacts;
import io.pgstream.operator.aws.RdsInspector;
import io.pgstream.operator.aws.RdsLogins;
import io.pgstream.operator.aws.RdsResource;
import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.LogicalReplicationInEffect;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.time.Clock;
import java.util.List;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * With spec.source.rds: checks that the pipeline may use the operator's AWS identity for it
 * ({@link RdsAccess}, the RdsAccess condition), then asks the AWS API whether its parameter group
 * sets logical replication (and, when the user opted in, sets it) and the running server whether it
 * is in effect, into the RdsLogicalReplication condition. A reboot is due only when the server says
 * so; the operator reboots only for its own change ({@link OwnRdsChange}). Once in effect for an
 * endpoint and spec.source.rds, neither is asked again, so a streaming pipeline costs no AWS calls.
 */
final class RdsGate {
  private final AwsClients clients;
  private final RdsAccess access;
  private final LogicalReplicationInEffect server;
  private final OwnRdsChange ownChange;
  private final EventRecorder events;

  RdsGate(AwsClients clients, AwsPowers powers, LogicalReplicationInEffect server, EventRecorder events, Clock clock) {
    this.clients = clients;
    this.access = new RdsAccess(powers);
    this.server = server;
    this.ownChange = new OwnRdsChange(clock);
    this.events = events;
  }

  /** Null when the pipeline may go on. */
  Blocker check(PgstreamPipeline p, StatusUpdater s, ResolvedCredentials creds) {
    RdsSpec spec = p.getSpec().source.rds;
    PgstreamPipelineStatus st = s.status();
    if (spec == null) {
      st.rds = null;
      return null;
    }
    Blocker refused = access.powersRefused(p);
    if (refused != null) {
      return refuse(s, refused);
    }
    boolean replicates = p.getSpec().mode.replicates();
    if (!replicates && !p.getSpec().adminFromAws()) {
      st.rds = null;
      s.set(ConditionType.RdsAccess, true, "NoAwsCall", "mode snapshot with admin logins from Secrets makes no AWS call");
      s.set(ConditionType.RdsLogicalReplication, true, "NotRequired", "mode snapshot needs no logical replication");
      return null;
    }
    // The answer depends on which resource, at which endpoint, for which mode: not on tables, tuning or pods.
    String answeredFor = Hashes.shortHash(
        Serialization.asJson(spec) + "|" + p.getSpec().source.host + ":" + p.getSpec().source.effectivePort() + "|" + replicates
            + "|" + p.getSpec().adminFromAws());
    if (st.rds != null && answeredFor.equals(st.rds.enabledForConfig)) {
      return null;
    }
    RdsStatus before = st.rds;
    RdsClient rds = clients.rds(spec.region);
    try {
      RdsInspector inspector = new RdsInspector(rds);
      RdsResource resource = inspector.describe(spec);
      Blocker denied = access.resourceRefused(p, resource);
      if (denied != null) {
        return refuse(s, denied);
      }
      s.set(
          ConditionType.RdsAccess,
          true,
          "Granted",
          "%s %s names namespace %s in its tag %s and listens at %s:%d"
              .formatted(resource.kind(), resource.identifier(), p.getMetadata().getNamespace(), RdsResource.NAMESPACES_TAG,
                  resource.writerEndpoint(), resource.port()));
      if (!replicates) {
        st.rds = status(resource);
        st.rds.enabledForConfig = answeredFor;
        s.set(ConditionType.RdsLogicalReplication, true, "NotRequired", "mode snapshot needs no logical replication");
        return null;
      }
      RdsFacts facts = inspector.inspect(resource);
      ParameterGroupManager manager = new ParameterGroupManager(rds);
      List<String> done = Boolean.TRUE.equals(spec.manageParameterGroup) ? manager.reconcile(facts) : List.of();
      if (!done.isEmpty()) {
        events.normal(p, "ParameterGroupChanged", String.join("; ", done));
        facts = inspector.inspect(inspector.describe(spec));
      }
      st.rds = status(facts.resource());
      st.rds.logicalReplication = facts.logicalReplication();
      OwnRdsChange.carryOver(before, st.rds);
      if (!done.isEmpty()) {
        ownChange.record(st.rds, done);
      }
      LogicalReplicationInEffect.Answer answer = facts.logicalReplicationSet() ? ask(p, creds) : null;
      st.rds.logicalReplicationInEffect = answer == null ? null : answer.inEffect();
      boolean writerBusy = false;
      if (OwnRdsChange.due(spec, st.rds, st.rds.logicalReplicationInEffect)) {
        writerBusy = !ownChange.reboot(manager, facts.resource(), st.rds);
        if (!writerBusy) {
          events.normal(p, "RdsWriterRebooted", "rebooted " + facts.resource().writerInstance() + " (no failover) to apply: "
              + st.rds.parameterChange);
        }
      }
      Blocker problem = verdict(facts, st.rds, answer, writerBusy);
      if (problem != null) {
        s.set(ConditionType.RdsLogicalReplication, false, problem.reason(), problem.message());
        return problem;
      }
      RdsResource r = facts.resource();
      String where = "%s %s of %s".formatted(r.groupKind(), r.parameterGroup(), r.identifier());
      if (answer.inEffect() == null) {
        // Not remembered: asked again next time, and the preflight reads wal_level meanwhile.
        s.set(ConditionType.RdsLogicalReplication, true, "SetInGroup",
            "rds.logical_replication=1 is set in %s; %s".formatted(where, answer.said()));
        return null;
      }
      st.rds.enabledForConfig = answeredFor;
      s.set(
          ConditionType.RdsLogicalReplication,
          true,
          "Enabled",
          "rds.logical_replication=1 is in effect in %s: %s%s".formatted(where, answer.said(),
              r.pendingReboot() ? "; other values of the group wait for a reboot, which logical replication does not need" : ""));
      return null;
    } catch (AwsCallFailed e) {
      s.set(ConditionType.RdsLogicalReplication, false, e.reason(), e.getMessage());
      return new Blocker(e.reason(), e.getMessage());
    }
  }

  /** The server's answer with the source login, or with a source admin from a Secret while that login does not exist yet. */
  private LogicalReplicationInEffect.Answer ask(PgstreamPipeline p, ResolvedCredentials creds) {
    LogicalReplicationInEffect.Answer answer = server.ask(p.getSpec().source, new Login(creds.sourceUser(), creds.sourcePassword()));
    Login admin = creds.sourceAdmin().filter(a -> a.password() != null).orElse(null);
    return answer.inEffect() == null && admin != null ? server.ask(p.getSpec().source, admin) : answer;
  }

  /**
   * The source admin from AWS when spec.source.rds says so, for preparation only. Checks again what
   * {@link #check} checked, on the describe call that finds the secret: the credential goes nowhere
   * but the endpoint of a resource whose tag names the namespace.
   */
  ResolvedCredentials withAwsAdmin(PgstreamPipeline p, ResolvedCredentials creds) throws AwsCallFailed {
    PgstreamPipelineSpec pipeline = p.getSpec();
    RdsSpec spec = pipeline.source.rds;
    if (!pipeline.adminFromAws() || (!Boolean.TRUE.equals(spec.masterUserSecret) && creds.sourceAdmin().isEmpty())) {
      return creds;
    }
    Blocker refused = access.powersRefused(p);
    if (refused != null) {
      throw new IllegalStateException(refused.message());
    }
    RdsClient rds = clients.rds(spec.region);
    RdsResource resource = new RdsInspector(rds).describe(spec);
    Blocker denied = access.resourceRefused(p, resource);
    if (denied != null) {
      throw new IllegalStateException(denied.message());
    }
    if (Boolean.TRUE.equals(spec.masterUserSecret)) {
      if (resource.masterSecretArn() == null) {
        throw new IllegalStateException(spec.identifier() + " has no RDS-managed master user secret");
      }
      SecretsManagerClient secrets = clients.secretsManager(spec.region);
      return creds.withSourceAdmin(RdsLogins.masterUserSecret(secrets, resource.masterSecretArn()));
    }
    Login admin = creds.sourceAdmin().get();
    return creds.withSourceAdmin(RdsLogins.iamToken(rds, resource.writerEndpoint(), resource.port(), admin.user()));
  }

  /** Nothing the AWS API said about a resource the pipeline may not use stays in its status. */
  private static Blocker refuse(StatusUpdater s, Blocker refused) {
    s.status().rds = null;
    s.set(ConditionType.RdsAccess, false, refused.reason(), refused.message());
    s.set(ConditionType.RdsLogicalReplication, false, refused.reason(), "Not asked while RdsAccess is False");
    return refused;
  }

  /** Null when logical replication is set in the group and the server does not say it is off. */
  private static Blocker verdict(RdsFacts facts, RdsStatus st, LogicalReplicationInEffect.Answer answer, boolean writerBusy) {
    RdsResource f = facts.resource();
    String target = f.cluster() ? "cluster " + f.identifier() : "instance " + f.identifier();
    String reboot = "reboot the writer " + f.writerInstance() + " (Actions → Reboot, without failover)";
    if (facts.logicalReplicationSet()) {
      if (!Boolean.FALSE.equals(answer.inEffect())) {
        return null;
      }
      String set = "rds.logical_replication=1 is set in %s %s but not in effect yet: %s.".formatted(f.groupKind(), f.parameterGroup(), answer.said());
      if (st.rebootRequestedAt != null) {
        return new Blocker("RebootRequested", "%s The operator rebooted %s at %s to apply its change (%s) and waits for the server."
            .formatted(set, f.writerInstance(), st.rebootRequestedAt, st.parameterChange));
      }
      if (writerBusy) {
        return new Blocker("PendingReboot", "%s The operator reboots %s for its change (%s) once the instance is available."
            .formatted(set, f.writerInstance(), st.parameterChange));
      }
      String immediate = st.parameterChange == null ? "" : ", or set spec.source.rds.rebootPolicy: Immediate to let the operator reboot it once for its change";
      return new Blocker("PendingReboot", "%s To apply it, %s%s.".formatted(set, reboot, immediate));
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
        ("rds.logical_replication is %s in %s %s of %s: set it to 1 (Parameter groups → Edit), then %s. The operator"
                + " changes only groups it created (tagged managed-by=pgstream-operator).")
            .formatted(facts.logicalReplication() == null ? "unset" : facts.logicalReplication(), f.groupKind(), f.parameterGroup(), target, reboot));
  }

  private static RdsStatus status(RdsResource r) {
    RdsStatus s = new RdsStatus();
    s.engine = r.engine();
    s.engineVersion = r.engineVersion();
    s.writerEndpoint = r.writerEndpoint();
    s.parameterGroup = r.parameterGroup();
    s.pendingReboot = r.pendingReboot();
    return s;
  }
}
