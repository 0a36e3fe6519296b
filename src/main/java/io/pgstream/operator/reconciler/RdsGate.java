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
 * With spec.source.rds: checks that the pipeline may use the operator's AWS identity for it
 * ({@link RdsAccess}, the RdsAccess condition), then asks the AWS API whether logical replication is
 * on (and, when the user opted in, turns it on), into the RdsLogicalReplication condition. Once it is
 * on for a config the API is not asked again, so a streaming pipeline costs no AWS calls.
 */
final class RdsGate {
  private final AwsClients clients;
  private final RdsAccess access;
  private final EventRecorder events;

  RdsGate(AwsClients clients, AwsPowers powers, EventRecorder events) {
    this.clients = clients;
    this.access = new RdsAccess(powers);
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
    // The answer holds for this config and this spec.source.rds only.
    String answeredFor = Hashes.shortHash(config.contentHash() + Serialization.asJson(spec));
    if (st.rds != null && answeredFor.equals(st.rds.enabledForConfig)) {
      return null;
    }
    try (RdsClient rds = clients.rds(spec.region)) {
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
      if (Boolean.TRUE.equals(spec.manageParameterGroup)) {
        List<String> done = new ParameterGroupManager(rds).reconcile(spec, facts);
        if (!done.isEmpty()) {
          events.normal(p, "ParameterGroupChanged", String.join("; ", done));
          facts = inspector.inspect(inspector.describe(spec));
        }
      }
      st.rds = status(facts.resource());
      st.rds.logicalReplication = facts.logicalReplication();
      Blocker problem = verdict(facts);
      if (problem == null) {
        st.rds.enabledForConfig = answeredFor;
        s.set(
            ConditionType.RdsLogicalReplication,
            true,
            "Enabled",
            "rds.logical_replication=1 is in effect in %s %s of %s"
                .formatted(facts.resource().groupKind(), facts.resource().parameterGroup(), facts.resource().identifier()));
        return null;
      }
      s.set(ConditionType.RdsLogicalReplication, false, problem.reason(), problem.message());
      return problem;
    } catch (AwsCallFailed e) {
      s.set(ConditionType.RdsLogicalReplication, false, e.reason(), e.getMessage());
      return new Blocker(e.reason(), e.getMessage());
    }
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
    try (RdsClient rds = clients.rds(spec.region)) {
      RdsResource resource = new RdsInspector(rds).describe(spec);
      Blocker denied = access.resourceRefused(p, resource);
      if (denied != null) {
        throw new IllegalStateException(denied.message());
      }
      if (Boolean.TRUE.equals(spec.masterUserSecret)) {
        if (resource.masterSecretArn() == null) {
          throw new IllegalStateException(spec.identifier() + " has no RDS-managed master user secret");
        }
        try (SecretsManagerClient secrets = clients.secretsManager(spec.region)) {
          return creds.withSourceAdmin(RdsLogins.masterUserSecret(secrets, resource.masterSecretArn()));
        }
      }
      Login admin = creds.sourceAdmin().get();
      return creds.withSourceAdmin(RdsLogins.iamToken(rds, resource.writerEndpoint(), resource.port(), admin.user()));
    }
  }

  /** Nothing the AWS API said about a resource the pipeline may not use stays in its status. */
  private static Blocker refuse(StatusUpdater s, Blocker refused) {
    s.status().rds = null;
    s.set(ConditionType.RdsAccess, false, refused.reason(), refused.message());
    s.set(ConditionType.RdsLogicalReplication, false, refused.reason(), "Not asked while RdsAccess is False");
    return refused;
  }

  private static Blocker verdict(RdsFacts facts) {
    RdsResource f = facts.resource();
    String target = f.cluster() ? "cluster " + f.identifier() : "instance " + f.identifier();
    String reboot = "reboot the writer " + f.writerInstance() + " (Actions → Reboot, without failover)";
    if (facts.logicalReplicationSet() && f.pendingReboot()) {
      return new Blocker(
          "PendingReboot",
          "rds.logical_replication=1 is set in %s %s but waits for a reboot: %s, or set spec.source.rds.rebootPolicy: Immediate with manageParameterGroup: true."
              .formatted(f.groupKind(), f.parameterGroup(), reboot));
    }
    if (facts.logicalReplicationSet()) {
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
