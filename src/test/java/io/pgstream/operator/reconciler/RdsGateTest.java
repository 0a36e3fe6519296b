package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.RebootPolicy;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.aws.AwsClients;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.FakeRds;
import io.pgstream.operator.support.Pipelines;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real AWS SDK v2 clients against {@link FakeRds} on loopback. */
@EnableKubernetesMockClient(crud = true)
class RdsGateTest {
  KubernetesClient client;
  final FakeRds aws = new FakeRds();
  PgstreamPipeline pipeline = Pipelines.snapshotAndReplication("shop");
  StatusUpdater status;

  @BeforeAll
  static void credentials() {
    // The default chain reads these first; no network or profile is involved.
    System.setProperty("aws.accessKeyId", "AKIDTEST");
    System.setProperty("aws.secretAccessKey", "test-secret");
  }

  @AfterEach
  void stop() {
    aws.close();
  }

  private RdsSpec rds(String instance, String cluster) {
    RdsSpec spec = new RdsSpec();
    spec.region = "eu-west-1";
    spec.instanceIdentifier = instance;
    spec.clusterIdentifier = cluster;
    pipeline.getSpec().source.rds = spec;
    return spec;
  }

  private Blocker check() {
    status = new StatusUpdater(pipeline, Clock.systemUTC());
    RenderedConfig config = new PgstreamConfigRenderer().render(pipeline);
    return gate().check(pipeline, status, config);
  }

  private RdsGate gate() {
    return new RdsGate(new AwsClients(Optional.of(aws.endpoint())), new EventRecorder(client, Clock.systemUTC()));
  }

  private String condition() {
    return StatusUpdater.condition(status.status(), ConditionType.RdsLogicalReplication)
        .map(c -> c.getStatus() + "/" + c.getReason())
        .orElseThrow();
  }

  private String message() {
    return StatusUpdater.condition(status.status(), ConditionType.RdsLogicalReplication).orElseThrow().getMessage();
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

  @Test
  void aValueAlreadyOneIsEnabledAndNotAskedAgainForTheSameConfig() {
    aws.cluster("shop", "pgstream-shop", "1");
    rds(null, "shop");
    assertThat(check()).isNull();
    assertThat(condition()).isEqualTo("True/Enabled");
    pipeline.setStatus(status.status());
    int calls = aws.actions.size();
    assertThat(check()).isNull();
    assertThat(aws.actions).hasSize(calls);
  }

  @Test
  void aPendingRebootNamesTheWriterToReboot() {
    aws.instance("shop-db", "custom-pg16", "1").applyStatus = "pending-reboot";
    rds("shop-db", null);
    check();
    assertThat(condition()).isEqualTo("False/PendingReboot");
    assertThat(message()).contains("waits for a reboot", "reboot the writer shop-db", "rebootPolicy: Immediate");
  }

  @Test
  void aCustomGroupNotOursIsReportedButNeverModified() {
    aws.instance("shop-db", "team-shared-pg16", "0");
    RdsSpec spec = rds("shop-db", null);
    spec.manageParameterGroup = true;
    check();
    assertThat(condition()).isEqualTo("False/LogicalReplicationOff");
    assertThat(message()).contains("changes only groups it created");
    assertThat(aws.modifyingActions()).isEmpty();
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

  @Test
  void anUnknownInstanceIsNamed() {
    rds("nope", null);
    assertThat(check().reason()).isEqualTo("RdsNotFound");
    assertThat(message()).contains("DBInstanceNotFound", "Check spec.source.rds");
  }

  @Test
  void optInManagementCopiesTheDefaultGroupSetsTheValueAttachesAndRebootsOnlyWhenAllowed() {
    aws.instance("shop-db", "default.postgres16", "0");
    RdsSpec spec = rds("shop-db", null);
    spec.manageParameterGroup = true;
    check();
    assertThat(aws.modifyingActions()).containsExactly("CopyDBParameterGroup", "ModifyDBInstance", "ModifyDBParameterGroup");
    assertThat(aws.groups.get("pgstream-shop-db")).isEqualTo("1");
    assertThat(aws.instances.get("shop-db").group).isEqualTo("pgstream-shop-db");
    assertThat(condition()).as("rebootPolicy Never").isEqualTo("False/PendingReboot");
    assertThat(client.v1().events().inAnyNamespace().list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ParameterGroupChanged"));

    pipeline.setStatus(status.status());
    check();
    assertThat(aws.modifyingActions()).as("values compared, nothing changed twice").hasSize(3);

    spec.rebootPolicy = RebootPolicy.Immediate;
    check();
    assertThat(aws.modifyingActions()).endsWith("RebootDBInstance");
    assertThat(condition()).isEqualTo("True/Enabled");
  }

  @Test
  void optInManagementOfAnAuroraClusterUsesClusterCalls() {
    aws.cluster("shop", "default.aurora-postgresql16", "0");
    RdsSpec spec = rds(null, "shop");
    spec.manageParameterGroup = true;
    spec.rebootPolicy = RebootPolicy.Immediate;
    check();
    assertThat(aws.modifyingActions())
        .containsExactly("CopyDBClusterParameterGroup", "ModifyDBCluster", "ModifyDBClusterParameterGroup", "RebootDBInstance");
    assertThat(condition()).isEqualTo("True/Enabled");
  }

  @Test
  void theReaderEndpointIsRefused() {
    aws.cluster("shop", "pgstream-shop", "1");
    rds(null, "shop");
    pipeline.getSpec().source.host = "shop.cluster-ro-abc.eu-west-1.rds.amazonaws.com";
    assertThat(check().reason()).isEqualTo("ReaderEndpoint");
    assertThat(message()).contains("use the writer (cluster) endpoint shop.cluster-abc.eu-west-1.rds.amazonaws.com");
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
  void theMasterUserSecretAndIamTokensServeAsAdminLogins() throws Exception {
    aws.instance("shop-db", "pgstream-shop-db", "1").masterSecretArn = "arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-x";
    aws.secrets.put("arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-x", "{\"username\":\"postgres\",\"password\":\"M@ster \\\"pw\"}");
    RdsSpec spec = rds("shop-db", null);
    spec.masterUserSecret = true;
    pipeline.getSpec().prepare = new PrepareSpec();
    pipeline.getSpec().prepare.source = new SourcePrepareSpec();
    ResolvedCredentials creds = new ResolvedCredentials("u", "p", "v", "q");
    var admin = gate().withAwsAdmin(pipeline, creds).sourceAdmin().orElseThrow();
    assertThat(admin.user()).isEqualTo("postgres");
    assertThat(admin.password()).isEqualTo("M@ster \"pw");
    assertThat(admin.toString()).doesNotContain("M@ster");

    spec.masterUserSecret = null;
    spec.iamAuthentication = true;
    pipeline.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("x", "y"));
    var token =
        gate().withAwsAdmin(pipeline, new ResolvedCredentials(
            new io.pgstream.operator.credentials.Login("u", "p"), new io.pgstream.operator.credentials.Login("v", "q"),
            new io.pgstream.operator.credentials.Login("iam_admin", null), null)).sourceAdmin().orElseThrow();
    assertThat(token.user()).isEqualTo("iam_admin");
    assertThat(token.password()).startsWith("source.db:5432/?").contains("Action=connect", "DBUser=iam_admin", "X-Amz-Signature=");
  }
}
