package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.aws.AwsClients;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.aws.AwsPowers.Power;
import io.pgstream.operator.aws.RdsResource;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.LogicalReplicationInEffect;
import io.pgstream.operator.prepare.Preparation;
import io.pgstream.operator.prepare.Preparer;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.FakeRds;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** spec.prepare through the gate, with admins from AWS ({@link FakeRds}) and a real PostgreSQL. */
@EnableKubernetesMockClient(crud = true)
class PrepareGateTest {
  static final String ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-shop";
  static final AtomicInteger SEQ = new AtomicInteger();
  static final AwsPowers POWERS =
      AwsPowers.none().grant(Power.MASTER_USER_SECRET, List.of(AwsPowers.ALL)).grant(Power.IAM_ADMIN, List.of(AwsPowers.ALL));
  static final String MASTER_PASSWORD = "AwsM@ster-pw \"1\"";

  KubernetesClient client;
  /** A master and database per test: roles outlive a test, and a database's owner cannot be dropped. */
  final String id = "gate" + SEQ.incrementAndGet();
  final String master = id + "_master";
  final FakeRds aws = new FakeRds();
  final TestPostgres rds = TestPostgres.rds();
  PgstreamPipeline pipeline;
  StatusUpdater status;

  @BeforeAll
  static void credentials() {
    System.setProperty("aws.accessKeyId", "AKIDTEST");
    System.setProperty("aws.secretAccessKey", "test-secret");
  }

  @BeforeEach
  void masterInAwsAndOnTheServer() {
    FakeRds.Instance shop = aws.instance("shop-db", "pgstream-shop-db", "1");
    shop.masterSecretArn = ARN;
    aws.secrets.put(ARN, "{\"username\":\"" + master + "\",\"password\":\"" + MASTER_PASSWORD.replace("\"", "\\\"") + "\"}");
    rds.login(master, MASTER_PASSWORD, "CREATEDB CREATEROLE");
    rds.execute("postgres", "GRANT rds_superuser TO " + master + " WITH ADMIN OPTION");
    rds.database(id + "_src", master);
    pipeline = Pipelines.onServers("shop", rds, id + "_src", rds, id + "_src");
    // Authorised: the tag names the namespace and the pipeline connects to the described endpoint.
    shop.tags.put(RdsResource.NAMESPACES_TAG, Pipelines.NAMESPACE);
    shop.address = pipeline.getSpec().source.host;
    shop.port = pipeline.getSpec().source.effectivePort();
    RdsSpec spec = new RdsSpec();
    spec.region = "eu-west-1";
    spec.instanceIdentifier = "shop-db";
    spec.masterUserSecret = true;
    pipeline.getSpec().source.rds = spec;
    pipeline.getSpec().prepare = new PrepareSpec();
    pipeline.getSpec().prepare.source = new SourcePrepareSpec();
  }

  @AfterEach
  void stop() {
    aws.close();
  }

  @ParameterizedTest
  @CsvSource({
    "masterUserSecret, grantRdsSuperuser, AwsAdminCannotGrantRdsSuperuser",
    "iamAuthentication, grantRdsSuperuser, AwsAdminCannotGrantRdsSuperuser",
    "masterUserSecret, adoptExistingRole, AwsAdminCannotAdopt",
    "iamAuthentication, adoptExistingRole, AwsAdminCannotAdopt"
  })
  void anAdminFromAwsNeverGrantsRdsSuperuserNorAdopts(String adminSource, String asked, String reason) {
    if (adminSource.equals("iamAuthentication")) {
      pipeline.getSpec().source.rds.masterUserSecret = null;
      pipeline.getSpec().source.rds.iamAuthentication = true;
      pipeline.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("shop-admin", "username"));
    }
    if (asked.equals("grantRdsSuperuser")) {
      pipeline.getSpec().prepare.source.grantRdsSuperuser = true;
    } else {
      pipeline.getSpec().prepare.source.adoptExistingRole = true;
    }
    Blocker b = prepare(new Preparer(DatabaseConnector.defaults()), creds(id + "_app", "pw-app-1"));
    assertThat(b.reason()).isEqualTo(reason);
    assertThat(condition()).isEqualTo("False/" + reason);
    assertThat(b.message()).contains("spec.prepare.source." + asked + " is refused with an admin from AWS", "adminUsername, adminPassword");
    assertThat(aws.actions).as("refused before the master password is fetched or a token minted").isEmpty();
    assertThat(status.status().prepareHash).isNull();
    assertThat(rds.query("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = '" + id + "_app'")).isZero();
  }

  @Test
  void anAdminFromAwsPreparesTheOperatorsOwnLoginAndNeverResetsAForeignOne() throws SQLException {
    String own = id + "_own";
    String payments = id + "_payments";
    Preparer preparer = new Preparer(DatabaseConnector.defaults());
    assertThat(prepare(preparer, creds(own, "pw-own-1"))).isNull();
    assertThat(condition()).isEqualTo("True/Prepared");
    assertThat(message()).contains("CREATE ROLE \"" + own + "\" LOGIN", "COMMENT ON ROLE \"" + own + "\"", "GRANT \"rds_replication\" TO \"" + own + "\"");
    assertThat(events()).extracting(Event::getReason).containsExactly("Prepared");
    assertThat(aws.actions).contains("GetSecretValue");

    // The review's scenario with the master from AWS: another application's login and a password of the pipeline's choosing.
    rds.execute("postgres", "SET ROLE " + master, "CREATE ROLE " + payments + " LOGIN PASSWORD 'their-secret'", "RESET ROLE");
    Blocker b = prepare(preparer, creds(payments, "attacker-chosen"));
    assertThat(b.reason()).isEqualTo("LoginPasswordMismatch");
    assertThat(condition()).isEqualTo("False/LoginPasswordMismatch");
    assertThat(message()).contains(payments, "does not reset passwords of roles it did not create", "adoptExistingRole");
    assertThat(status.status().prepareHash).as("tried again later").isNull();
    try (Connection c = DatabaseConnector.defaults().open(pipeline.getSpec().source, id + "_src", payments, "their-secret")) {
      assertThat(c.isValid(1)).as("the owner's password still works").isTrue();
    }
    assertThat(rds.query("postgres", "SELECT count(*) FROM pg_auth_members WHERE member = '" + payments + "'::regrole")).isZero();
  }

  @Test
  void errorsAreRedactedWithTheAdminFromAws() {
    Preparer failing =
        new Preparer(DatabaseConnector.defaults()) {
          @Override
          public Preparation prepareSource(PgstreamPipeline p, Login login, Login admin) throws SQLException {
            throw new SQLException("server said: password " + admin.password() + " for " + admin.user() + " is wrong");
          }
        };
    Blocker b = prepare(failing, creds(id + "_app", "pw-app-1"));
    assertThat(b.reason()).isEqualTo("PrepareFailed");
    assertThat(message()).contains("for " + master + " is wrong").doesNotContain(MASTER_PASSWORD);
    assertThat(b.message()).doesNotContain(MASTER_PASSWORD);
  }

  private Blocker prepare(Preparer preparer, ResolvedCredentials creds) {
    status = new StatusUpdater(pipeline, Clock.systemUTC());
    EventRecorder events = new EventRecorder(client, Clock.systemUTC());
    PrepareGate gate = new PrepareGate(preparer, new RdsGate(
            new AwsClients(Optional.of(aws.endpoint())), POWERS, new LogicalReplicationInEffect(DatabaseConnector.defaults()), events,
            Clock.systemUTC()), events);
    return gate.prepare(pipeline, status, new PgstreamConfigRenderer().render(pipeline), creds);
  }

  private ResolvedCredentials creds(String user, String password) {
    return new ResolvedCredentials(new Login(user, password), new Login("gate_target", "pw-target-1"), new Login(master, null), null);
  }

  private String condition() {
    return StatusUpdater.condition(status.status(), ConditionType.Prepared).map(c -> c.getStatus() + "/" + c.getReason()).orElseThrow();
  }

  private String message() {
    return StatusUpdater.condition(status.status(), ConditionType.Prepared).orElseThrow().getMessage();
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(Pipelines.NAMESPACE).list().getItems();
  }
}
