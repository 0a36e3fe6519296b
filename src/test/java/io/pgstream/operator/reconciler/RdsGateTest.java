package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.RdsStatus;
import io.pgstream.operator.api.RebootPolicy;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.aws.AwsCallFailed;
import io.pgstream.operator.aws.AwsClients;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.aws.AwsPowers.Power;
import io.pgstream.operator.aws.RdsResource;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.LogicalReplicationInEffect;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.FakeRds;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The real AWS SDK v2 clients against {@link FakeRds} on loopback. */
@EnableKubernetesMockClient(crud = true)
class RdsGateTest {
  static final String ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-x";
  static final String READER = "rds_gate_reader";
  static final String READER_PASSWORD = "reader-pw-1";
  KubernetesClient client;
  final FakeRds aws = new FakeRds();
  PgstreamPipeline pipeline = Pipelines.snapshotAndReplication("shop");
  AwsPowers powers = AwsPowers.none();
  StatusUpdater status;

  @AfterEach
  void stop() {
    aws.close();
  }

  /** spec.source.rds naming the resource, which lets namespace default use it at the pipeline's host. */
  private RdsSpec rds(String instance, String cluster) {
    RdsSpec spec = new RdsSpec();
    spec.region = "eu-west-1";
    spec.instanceIdentifier = instance;
    spec.clusterIdentifier = cluster;
    pipeline.getSpec().source.rds = spec;
    if (aws.clusters.containsKey(cluster)) {
      aws.clusters.get(cluster).tags.put(RdsResource.NAMESPACES_TAG, "team-b " + Pipelines.NAMESPACE);
      pipeline.getSpec().source.host = aws.clusters.get(cluster).endpoint;
    } else if (aws.instances.containsKey(instance)) {
      aws.instances.get(instance).tags.put(RdsResource.NAMESPACES_TAG, Pipelines.NAMESPACE + " team-b");
      pipeline.getSpec().source.host = aws.instances.get(instance).address;
    }
    return spec;
  }

  private RdsSpec withMasterUserSecret(String instance) {
    aws.instance(instance, "pgstream-" + instance, "1").masterSecretArn = ARN;
    aws.secrets.put(ARN, "{\"username\":\"postgres\",\"password\":\"M@ster \\\"pw\"}");
    RdsSpec spec = rds(instance, null);
    spec.masterUserSecret = true;
    pipeline.getSpec().prepare = new PrepareSpec();
    pipeline.getSpec().prepare.source = new SourcePrepareSpec();
    return spec;
  }

  private ResolvedCredentials awsAdmin() throws AwsCallFailed {
    return gate().withAwsAdmin(pipeline, new ResolvedCredentials("u", "p", "v", "q"));
  }

  private String access() {
    return condition(ConditionType.RdsAccess);
  }

  private String accessMessage() {
    return message(ConditionType.RdsAccess);
  }

  private Blocker check() {
    status = new StatusUpdater(pipeline, Clock.systemUTC());
    return gate().check(pipeline, status, new ResolvedCredentials(READER, READER_PASSWORD, "t", "t"));
  }

  /** The check, with the pipeline taking the status it wrote last time, as the next reconcile would. */
  private Blocker checkAgain() {
    pipeline.setStatus(status.status());
    return check();
  }

  private RdsGate gate() {
    return new RdsGate(
        new AwsClients(Optional.of(aws.endpoint())),
        powers,
        new LogicalReplicationInEffect(DatabaseConnector.defaults()),
        new EventRecorder(client, Clock.systemUTC()),
        Clock.systemUTC());
  }

  /**
   * The described instance (or cluster) listens on a real PostgreSQL server, and the pipeline points
   * there with a login of it. TestPostgres is not RDS: {@link TestPostgres#rds()} runs with
   * wal_level=logical (logical replication in effect, as after the reboot), {@link
   * TestPostgres#vanilla()} with wal_level=replica (as before it), which is what the gate reads.
   */
  private void runsOn(TestPostgres server, String instance, String cluster) {
    server.login(READER, READER_PASSWORD, "");
    if (cluster != null) {
      aws.clusters.get(cluster).endpoint = "127.0.0.1";
      aws.clusters.get(cluster).port = server.port();
    } else {
      aws.instances.get(instance).address = "127.0.0.1";
      aws.instances.get(instance).port = server.port();
    }
    pipeline.getSpec().source.host = "127.0.0.1";
    pipeline.getSpec().source.port = server.port();
    pipeline.getSpec().source.database = "postgres";
    pipeline.getSpec().source.sslMode = SslMode.DISABLE;
  }

  /**
   * Instance shop-db on its default group, with manageParameterGroup and both powers, on a server
   * that does not run logical replication yet, after the first check.
   */
  private RdsSpec managedDefaultGroupBeforeTheReboot() {
    aws.instance("shop-db", "default.postgres16", "0");
    RdsSpec spec = rds("shop-db", null);
    spec.manageParameterGroup = true;
    powers = powers.grant(Power.PARAMETER_GROUP_CHANGES, List.of(Pipelines.NAMESPACE)).grant(Power.REBOOT, List.of("*"));
    runsOn(TestPostgres.vanilla(), "shop-db", null);
    check();
    return spec;
  }

  private List<String> events() {
    return client.v1().events().inAnyNamespace().list().getItems().stream().map(e -> e.getReason()).toList();
  }

  private String condition() {
    return condition(ConditionType.RdsLogicalReplication);
  }

  /** Everything a refused pipeline can read: the blocker, both conditions with their messages, status.rds. */
  private String refusal() {
    Blocker refused = check();
    return String.join(
        "\n", refused.reason(), refused.message(), access(), accessMessage(), condition(), message(), String.valueOf(status.status().rds));
  }

  private String message() {
    return message(ConditionType.RdsLogicalReplication);
  }

  private String condition(ConditionType type) {
    return StatusUpdater.condition(status.status(), type).map(c -> c.getStatus() + "/" + c.getReason()).orElseThrow();
  }

  private String message(ConditionType type) {
    return StatusUpdater.condition(status.status(), type).orElseThrow().getMessage();
  }

  @Test
  void anInstanceOnItsDefaultGroupGetsTheConsoleSteps() {
    aws.instance("shop-db", "default.postgres16", "0");
    rds("shop-db", null);
    assertThat(check().reason()).isEqualTo("DefaultParameterGroup");
    assertThat(condition()).isEqualTo("False/DefaultParameterGroup");
    assertThat(message())
        .contains("default DB parameter group default.postgres16", "set rds.logical_replication=1", "attach it", "reboot the writer shop-db")
        .contains("manageParameterGroup: true");
    assertThat(aws.modifyingActions()).as("without opt-in nothing in AWS changes").isEmpty();
    assertThat(status.status().rds.writerEndpoint).isEqualTo("shop-db.abc.eu-west-1.rds.amazonaws.com");
  }

  @Test
  void anAuroraClusterIsReadFromItsClusterParameterGroup() {
    aws.cluster("shop", "default.aurora-postgresql16", null);
    rds(null, "shop");
    check();
    assertThat(condition()).isEqualTo("False/DefaultParameterGroup");
    assertThat(message()).contains("DB cluster parameter group default.aurora-postgresql16", "reboot the writer shop-instance-1");
    assertThat(aws.actions).contains("DescribeDBClusters", "DescribeDBClusterParameters").doesNotContain("DescribeDBParameters");
  }

  /** Review H3: once in effect, a change of anything but the endpoint, mode or spec.source.rds asks nobody again. */
  @Test
  void aValueAlreadyOneIsEnabledAndNotAskedAgainOnUnrelatedChanges() {
    aws.cluster("shop", "pgstream-shop", "1");
    rds(null, "shop");
    runsOn(TestPostgres.rds(), null, "shop");
    assertThat(check()).isNull();
    assertThat(condition()).isEqualTo("True/Enabled");
    assertThat(message()).contains("the server runs with wal_level=logical and rds.logical_replication=on");
    assertThat(status.status().rds.logicalReplicationInEffect).isTrue();
    int calls = aws.actions.size();
    assertThat(checkAgain()).isNull();
    pipeline.getSpec().tables = List.of("public.orders", "public.customers");
    pipeline.getSpec().target.host = "another-target.db";
    assertThat(checkAgain()).isNull();
    assertThat(aws.actions).as("tables and target are no question for AWS").hasSize(calls);
    pipeline.getSpec().source.port = 6543;
    assertThat(checkAgain().reason()).as("a new endpoint is asked again").isEqualTo("RdsEndpointMismatch");
  }

  /**
   * Review H3, replacing aPendingRebootNamesTheWriterToReboot, which took the group's apply status
   * for the server's: a pending-reboot group blocks only when the server says logical replication
   * is not in effect, and then names the writer but not rebootPolicy, as the change is not the operator's.
   */
  @Test
  void aRebootIsPendingOnlyWhenTheServerSaysLogicalReplicationIsOff() {
    aws.instance("shop-db", "custom-pg16", "1").applyStatus = "pending-reboot";
    rds("shop-db", null);
    runsOn(TestPostgres.vanilla(), "shop-db", null);
    assertThat(check().reason()).isEqualTo("PendingReboot");
    assertThat(condition()).isEqualTo("False/PendingReboot");
    assertThat(message())
        .contains("set in DB parameter group custom-pg16 but not in effect yet: the server runs with wal_level=replica")
        .contains("reboot the writer shop-db")
        .doesNotContain("rebootPolicy");
    assertThat(status.status().rds.logicalReplicationInEffect).isFalse();

    runsOn(TestPostgres.rds(), "shop-db", null);
    assertThat(checkAgain()).isNull();
    assertThat(condition()).isEqualTo("True/Enabled");
    assertThat(message()).contains("wal_level=logical", "other values of the group wait for a reboot");
    assertThat(status.status().rds.pendingReboot).as("kept as information").isTrue();
    assertThat(aws.modifyingActions()).isEmpty();
  }

  /**
   * The review's probe (ReviewRdsProbeTest): a DBA staged an unrelated change in a shared custom
   * group where logical replication is already 1 and in effect. With manageParameterGroup and
   * rebootPolicy Immediate granted, the pipeline goes on and nothing is rebooted; with the server
   * saying off, it waits for the DBA's reboot and still reboots nothing.
   */
  @Test
  void reviewProbeAStagedChangeInASharedGroupNeitherBlocksNorReboots() {
    aws.instance("prod-db", "team-shared-pg16", "1").applyStatus = "pending-reboot";
    RdsSpec spec = rds("prod-db", null);
    spec.manageParameterGroup = true;
    spec.rebootPolicy = RebootPolicy.Immediate;
    powers = powers.grant(Power.PARAMETER_GROUP_CHANGES, List.of("*")).grant(Power.REBOOT, List.of("*"));
    runsOn(TestPostgres.rds(), "prod-db", null);
    assertThat(check()).isNull();
    assertThat(condition()).isEqualTo("True/Enabled");
    assertThat(aws.actions).doesNotContain("RebootDBInstance");

    pipeline.setStatus(null);
    runsOn(TestPostgres.vanilla(), "prod-db", null);
    assertThat(check().reason()).isEqualTo("PendingReboot");
    assertThat(checkAgain().reason()).isEqualTo("PendingReboot");
    assertThat(aws.modifyingActions()).as("never a reboot for someone else's change").isEmpty();
  }

  @Test
  void aCustomGroupNotOursIsReportedButNeverModified() {
    aws.instance("shop-db", "team-shared-pg16", "0");
    RdsSpec spec = rds("shop-db", null);
    spec.manageParameterGroup = true;
    powers = powers.grant(Power.PARAMETER_GROUP_CHANGES, List.of(Pipelines.NAMESPACE));
    check();
    assertThat(condition()).isEqualTo("False/LogicalReplicationOff");
    assertThat(message()).contains("changes only groups it created (tagged managed-by=pgstream-operator)");
    assertThat(aws.modifyingActions()).isEmpty();
  }

  /** Review L4: ownership is the managed-by tag, not the name: an untagged pgstream-* group is someone else's. */
  @Test
  void ownershipIsTheManagedByTagNotTheName() {
    aws.instance("shop-db", "pgstream-shop-db", "0");
    RdsSpec spec = rds("shop-db", null);
    spec.manageParameterGroup = true;
    powers = powers.grant(Power.PARAMETER_GROUP_CHANGES, List.of(Pipelines.NAMESPACE));
    assertThat(check().reason()).isEqualTo("LogicalReplicationOff");
    assertThat(aws.modifyingActions()).isEmpty();

    aws.instance("shop-db", "team-pg16", "0");
    aws.groupTags.put("team-pg16", Map.of("managed-by", "pgstream-operator"));
    rds("shop-db", null).manageParameterGroup = true;
    check();
    assertThat(aws.modifyingActions()).containsExactly("ModifyDBParameterGroup");
    assertThat(aws.groups.get("team-pg16")).isEqualTo("1");
    assertThat(aws.groups.get("pgstream-shop-db")).isEqualTo("0");
  }

  @Test
  void accessDeniedNamesTheMissingIamAction() {
    aws.instance("shop-db", "default.postgres16", "0");
    aws.failures.put("DescribeDBInstances", new String[] {"403", "AccessDenied"});
    rds("shop-db", null);
    assertThat(check().reason()).isEqualTo("AwsAccessDenied");
    assertThat(message()).contains("rds:DescribeDBInstances failed: AccessDenied (HTTP 403)", "lacks rds:DescribeDBInstances");
  }

  @Test
  void throttlingIsReportedForABackoffRetry() {
    aws.instance("shop-db", "default.postgres16", "0");
    aws.failures.put("DescribeDBParameters", new String[] {"400", "Throttling"});
    rds("shop-db", null);
    assertThat(check().reason()).isEqualTo("AwsThrottled");
    assertThat(message()).contains("rds:DescribeDBParameters", "retries with backoff");
    assertThat(aws.actions.stream().filter("DescribeDBParameters"::equals).count()).as("the SDK retried").isGreaterThan(1);
  }

  /**
   * Review H3: the operator reboots only for its own change, once. The change is recorded in
   * status.rds, the reboot too; further reconciles, a config change, or a status lost before the
   * reboot never reboot again.
   */
  @Test
  void optInManagementCopiesTheDefaultGroupSetsTheValueAttachesAndRebootsOnceForItsOwnChange() {
    RdsSpec spec = managedDefaultGroupBeforeTheReboot();
    assertThat(aws.modifyingActions()).containsExactly("CopyDBParameterGroup", "ModifyDBInstance", "ModifyDBParameterGroup");
    assertThat(aws.groups.get("pgstream-shop-db")).isEqualTo("1");
    assertThat(aws.groupTags.get("pgstream-shop-db")).containsEntry("managed-by", "pgstream-operator");
    assertThat(aws.instances.get("shop-db").group).isEqualTo("pgstream-shop-db");
    assertThat(condition()).as("rebootPolicy Never").isEqualTo("False/PendingReboot");
    assertThat(message()).contains("rebootPolicy: Immediate to let the operator reboot it once for its change");
    assertThat(status.status().rds.parameterChange).contains("set rds.logical_replication=1 (pending-reboot) in pgstream-shop-db");
    assertThat(events()).contains("ParameterGroupChanged");

    checkAgain();
    assertThat(aws.modifyingActions()).as("values compared, nothing changed twice").hasSize(3);

    spec.rebootPolicy = RebootPolicy.Immediate;
    assertThat(checkAgain().reason()).isEqualTo("RebootRequested");
    assertThat(aws.modifyingActions()).endsWith("RebootDBInstance");
    assertThat(status.status().rds.rebootRequestedAt).isNotNull();
    assertThat(message()).contains("The operator rebooted shop-db at " + status.status().rds.rebootRequestedAt);

    // The server still says off (rebooting): neither the next reconcile nor a config change reboots again.
    checkAgain();
    pipeline.getSpec().tables = List.of("public.orders");
    checkAgain();
    assertThat(aws.actions.stream().filter("RebootDBInstance"::equals)).hasSize(1);
    assertThat(events().stream().filter("RdsWriterRebooted"::equals)).hasSize(1);

    runsOn(TestPostgres.rds(), "shop-db", null);
    assertThat(checkAgain()).isNull();
    assertThat(condition()).isEqualTo("True/Enabled");
  }

  /** A status lost before the reboot loses the proof that the change is the operator's: it does not reboot. */
  @Test
  void aLostStatusNeverRebootsForAChangeItCannotProveItsOwn() {
    RdsSpec spec = managedDefaultGroupBeforeTheReboot();
    pipeline.setStatus(null);
    spec.rebootPolicy = RebootPolicy.Immediate;
    assertThat(check().reason()).isEqualTo("PendingReboot");
    assertThat(aws.actions).doesNotContain("RebootDBInstance");
  }

  @Test
  void optInManagementOfAnAuroraClusterUsesClusterCalls() {
    aws.cluster("shop", "default.aurora-postgresql16", "0");
    RdsSpec spec = rds(null, "shop");
    spec.manageParameterGroup = true;
    spec.rebootPolicy = RebootPolicy.Immediate;
    powers = powers.grant(Power.PARAMETER_GROUP_CHANGES, List.of("*")).grant(Power.REBOOT, List.of("team-b", Pipelines.NAMESPACE));
    runsOn(TestPostgres.vanilla(), null, "shop");
    check();
    assertThat(aws.modifyingActions())
        .containsExactly("CopyDBClusterParameterGroup", "ModifyDBCluster", "ModifyDBClusterParameterGroup", "RebootDBInstance");
    assertThat(condition()).isEqualTo("False/RebootRequested");
    assertThat(message()).contains("The operator rebooted shop-instance-1");
  }

  @Test
  void theReaderEndpointIsRefused() {
    aws.cluster("shop", "pgstream-shop", "1");
    rds(null, "shop");
    pipeline.getSpec().source.host = "shop.cluster-ro-abc.eu-west-1.rds.amazonaws.com";
    assertThat(check().reason()).isEqualTo("ReaderEndpoint");
    assertThat(accessMessage()).contains("use the writer (cluster) endpoint shop.cluster-abc.eu-west-1.rds.amazonaws.com");
  }

  @Test
  void snapshotOnlyPipelinesNeedNoLogicalReplication() {
    rds("shop-db", null);
    pipeline.getSpec().mode = PipelineMode.SNAPSHOT;
    assertThat(check()).isNull();
    assertThat(condition()).isEqualTo("True/NotRequired");
    assertThat(aws.actions).isEmpty();
  }

  @Test
  void theMasterUserSecretAndIamTokensServeAsAdminLoginsWithPowerTagAndMatchingHost() throws Exception {
    RdsSpec spec = withMasterUserSecret("shop-db");
    powers = powers.grant(Power.MASTER_USER_SECRET, List.of(Pipelines.NAMESPACE)).grant(Power.IAM_ADMIN, List.of("*"));
    assertThat(check()).isNull();
    assertThat(access()).isEqualTo("True/Granted");
    assertThat(accessMessage()).contains("DB instance shop-db names namespace default", "shop-db.abc.eu-west-1.rds.amazonaws.com:5432");
    var admin = awsAdmin().sourceAdmin().orElseThrow();
    assertThat(admin.user()).isEqualTo("postgres");
    assertThat(admin.password()).isEqualTo("M@ster \"pw");
    assertThat(admin.toString()).doesNotContain("M@ster");
    assertThat(aws.actions).endsWith("DescribeDBInstances", "GetSecretValue");

    spec.masterUserSecret = null;
    spec.iamAuthentication = true;
    pipeline.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("x", "y"));
    var token =
        gate().withAwsAdmin(pipeline, new ResolvedCredentials(
            new Login("u", "p"), new Login("v", "q"), new Login("iam_admin", null), null)).sourceAdmin().orElseThrow();
    assertThat(token.user()).isEqualTo("iam_admin");
    assertThat(token.password())
        .startsWith("shop-db.abc.eu-west-1.rds.amazonaws.com:5432/?")
        .contains("Action=connect", "DBUser=iam_admin", "X-Amz-Signature=");
  }

  /** Review C1 (1), (3), (4): each power asked for but not granted stops the pipeline before any AWS call. */
  @ParameterizedTest
  @EnumSource(Power.class)
  void aPowerNotGrantedToTheNamespaceIsRefusedBeforeAnyAwsCall(Power power) {
    RdsSpec spec = withMasterUserSecret("prod-payments");
    spec.masterUserSecret = power == Power.MASTER_USER_SECRET;
    spec.iamAuthentication = power == Power.IAM_ADMIN;
    spec.manageParameterGroup = power == Power.PARAMETER_GROUP_CHANGES || power == Power.REBOOT;
    spec.rebootPolicy = power == Power.REBOOT ? RebootPolicy.Immediate : null;
    pipeline.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("x", "y"));
    // Granted to everything it asks for but this one power, and that one only to another namespace.
    for (Power other : Power.values()) {
      powers = powers.grant(other, other == power ? List.of("team-b") : List.of(Pipelines.NAMESPACE));
    }

    Blocker refused = check();
    assertThat(refused.reason()).isEqualTo("RdsPowerNotGranted");
    assertThat(access()).isEqualTo("False/RdsPowerNotGranted");
    assertThat(accessMessage())
        .contains(power.field(), power.flag() + "=default", power.chartValue() + ": [\"default\"]")
        .contains("namespace default");
    assertThat(status.status().rds).isNull();
    if (power != Power.PARAMETER_GROUP_CHANGES && power != Power.REBOOT) {
      ResolvedCredentials creds =
          new ResolvedCredentials(new Login("u", "p"), new Login("v", "q"), new Login("iam_admin", null), null);
      assertThatThrownBy(() -> gate().withAwsAdmin(pipeline, creds)).hasMessageContaining(power.flag());
    }
    assertThat(aws.actions).as("no AWS call at all").isEmpty();

    powers = powers.grant(power, List.of(AwsPowers.ALL));
    assertThat(check()).isNull();
    assertThat(access()).isEqualTo("True/Granted");
  }

  /** Review C1 (1), (5): a resource whose tag does not name the namespace is neither used nor described. */
  @Test
  void aResourceWhoseTagOmitsTheNamespaceIsDeniedAndNothingAboutItIsKept() {
    withMasterUserSecret("prod-payments");
    powers = powers.grant(Power.MASTER_USER_SECRET, List.of(AwsPowers.ALL));
    aws.instances.get("prod-payments").tags.put(RdsResource.NAMESPACES_TAG, "payments defaults team-default");
    pipeline.setStatus(new PgstreamPipelineStatus());
    pipeline.getStatus().rds = new RdsStatus();
    pipeline.getStatus().rds.engine = "from an earlier answer";

    assertThat(check().reason()).isEqualTo("RdsAccessDenied");
    assertThat(access()).isEqualTo("False/RdsAccessDenied");
    assertThat(accessMessage())
        .contains("RDS DB instance prod-payments in region eu-west-1 does not exist, the operator may not describe it,"
            + " or its tag pgstream.io/namespaces does not name namespace default")
        .contains("separated by spaces", "256 characters", "aws rds add-tags-to-resource --region eu-west-1")
        .doesNotContain("payments defaults", "rds.amazonaws.com", "postgres");
    assertThat(status.status().rds).as("no other team's metadata in status").isNull();
    assertThatThrownBy(this::awsAdmin).hasMessage(accessMessage());
    assertThat(aws.actions).as("one describe call each, no parameters, no secret").containsOnly("DescribeDBInstances");

    aws.instances.get("prod-payments").tags.clear();
    assertThat(check().reason()).as("untagged").isEqualTo("RdsAccessDenied");
    assertThat(aws.actions).doesNotContain("GetSecretValue", "DescribeDBParameters");
  }

  /**
   * An Aurora member counts by its cluster's tag: the cluster's endpoint, parameter group and secret
   * are used. Refused, it is told exactly as a missing instance, without the cluster's name.
   */
  @Test
  void anAuroraMemberIsAuthorisedByItsClustersTagAndItsDenialDoesNotNameTheCluster() {
    rds("orders-instance-1", null);
    String missing = refusal();

    aws.cluster("orders", "pgstream-orders", "1");
    rds(null, "orders");
    aws.clusters.get("orders").tags.put(RdsResource.NAMESPACES_TAG, "team-b");
    rds("orders-instance-1", null);
    pipeline.getSpec().source.host = aws.clusters.get("orders").endpoint;
    assertThat(check().reason()).isEqualTo("RdsAccessDenied");
    assertThat(refusal()).isEqualTo(missing);
    assertThat(accessMessage())
        .contains("DB instance orders-instance-1", "on its DB cluster if it is an Aurora member")
        .doesNotContain("DB cluster orders");
    assertThat(accessMessage().replace("orders-instance-1", "")).doesNotContain("orders");
    assertThat(aws.actions).as("the member, then its cluster, were described").endsWith("DescribeDBInstances", "DescribeDBClusters");

    aws.clusters.get("orders").tags.put(RdsResource.NAMESPACES_TAG, Pipelines.NAMESPACE);
    assertThat(check()).isNull();
    assertThat(access()).isEqualTo("True/Granted");
  }

  /**
   * Fix 7: no existence oracle. For one spec, a missing instance, an untagged one, one tagged for other
   * namespaces and one that IAM denies the operator by name (a policy conditioned on tags) give the same
   * conditions, reason and message, and keep nothing in status.
   */
  @Test
  void missingUntaggedForeignAndIamDeniedInstancesAreToldAlike() {
    rds("prod-payments", null);
    String missing = refusal();
    assertThat(accessMessage()).doesNotContain("DBInstanceNotFound", "not found");

    aws.instance("prod-payments", "pgstream-prod-payments", "1");
    assertThat(refusal()).as("untagged").isEqualTo(missing);

    aws.instances.get("prod-payments").tags.put(RdsResource.NAMESPACES_TAG, "payments");
    assertThat(refusal()).as("tagged for another namespace").isEqualTo(missing);

    aws.instances.get("prod-payments").tags.put(RdsResource.NAMESPACES_TAG, Pipelines.NAMESPACE);
    aws.failures.put(
        "DescribeDBInstances",
        new String[] {"403", "AccessDenied", "User: arn:aws:sts::1:assumed-role/pgstream/op is not authorized to perform:"
            + " rds:DescribeDBInstances on resource: arn:aws:rds:eu-west-1:1:db:prod-payments with an explicit deny"});
    assertThat(refusal()).as("IAM denies this resource only").isEqualTo(missing);
    assertThat(aws.actions).containsOnly("DescribeDBInstances");

    aws.failures.clear();
    pipeline.getSpec().source.host = aws.instances.get("prod-payments").address;
    assertThat(check()).isNull();
    assertThat(access()).isEqualTo("True/Granted");
  }

  /** Review C1 (1), (3): power and tag, but the pipeline points elsewhere: no secret is fetched, no token minted. */
  @Test
  void aHostOtherThanTheDescribedEndpointGetsNoCredential() {
    withMasterUserSecret("prod-payments");
    powers = powers.grant(Power.MASTER_USER_SECRET, List.of(Pipelines.NAMESPACE)).grant(Power.IAM_ADMIN, List.of(Pipelines.NAMESPACE));
    pipeline.getSpec().source.host = "attacker.example.com";

    assertThat(check().reason()).isEqualTo("RdsEndpointMismatch");
    assertThat(accessMessage())
        .contains("attacker.example.com:5432", "DB instance prod-payments at prod-payments.abc.eu-west-1.rds.amazonaws.com:5432");
    assertThat(status.status().rds).isNull();
    assertThatThrownBy(this::awsAdmin).hasMessageContaining("attacker.example.com:5432");

    pipeline.getSpec().source.host = "PROD-PAYMENTS.abc.eu-west-1.rds.amazonaws.com.";
    pipeline.getSpec().source.port = 6432;
    assertThat(check().reason()).as("the port counts too").isEqualTo("RdsEndpointMismatch");
    pipeline.getSpec().source.rds.masterUserSecret = null;
    pipeline.getSpec().source.rds.iamAuthentication = true;
    pipeline.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("x", "y"));
    ResolvedCredentials creds = new ResolvedCredentials(new Login("u", "p"), new Login("v", "q"), new Login("iam_admin", null), null);
    assertThatThrownBy(() -> gate().withAwsAdmin(pipeline, creds)).hasMessageContaining("6432");
    assertThat(aws.actions).doesNotContain("GetSecretValue");

    pipeline.getSpec().source.port = 5432;
    assertThat(check()).as("host names compare without case and final dot").isNull();
  }

  /** Review C1 (4): parameter-group changes and reboots need the tag even with both powers. */
  @Test
  void parameterGroupChangesAndRebootsNeedTheTag() {
    aws.instance("prod-db", "default.postgres16", "0");
    RdsSpec spec = rds("prod-db", null);
    spec.manageParameterGroup = true;
    spec.rebootPolicy = RebootPolicy.Immediate;
    powers = powers.grant(Power.PARAMETER_GROUP_CHANGES, List.of("*")).grant(Power.REBOOT, List.of("*"));
    aws.instances.get("prod-db").tags.put(RdsResource.NAMESPACES_TAG, "team-b");
    assertThat(check().reason()).isEqualTo("RdsAccessDenied");
    assertThat(aws.modifyingActions()).isEmpty();
  }

  /** Review C1: mode snapshot used to return before any describe call, so AWS-sourced admins went unchecked. */
  @Test
  void snapshotPipelinesWithAnAwsAdminAreCheckedToo() {
    withMasterUserSecret("prod-payments");
    powers = powers.grant(Power.MASTER_USER_SECRET, List.of(Pipelines.NAMESPACE));
    pipeline.getSpec().mode = PipelineMode.SNAPSHOT;
    pipeline.getSpec().source.host = "127.0.0.1";
    assertThat(check().reason()).isEqualTo("RdsEndpointMismatch");

    pipeline.getSpec().source.host = aws.instances.get("prod-payments").address;
    assertThat(check()).isNull();
    assertThat(condition()).isEqualTo("True/NotRequired");
    assertThat(aws.actions).as("no parameter read in mode snapshot").doesNotContain("DescribeDBParameters");
  }

  /** The cached answer belongs to spec.source.rds too: naming another instance asks again. */
  @Test
  void aCachedAnswerDoesNotCoverAnotherInstance() {
    aws.instance("shop-db", "pgstream-shop-db", "1");
    aws.instance("prod-db", "pgstream-prod-db", "1").address = "shop-db.abc.eu-west-1.rds.amazonaws.com";
    rds("shop-db", null);
    assertThat(check()).isNull();
    pipeline.setStatus(status.status());
    pipeline.getSpec().source.rds.instanceIdentifier = "prod-db";
    assertThat(check().reason()).isEqualTo("RdsAccessDenied");
  }
}
