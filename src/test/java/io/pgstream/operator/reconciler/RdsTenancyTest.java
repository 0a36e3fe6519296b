package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.aws.AwsPowers.Power;
import io.pgstream.operator.aws.RdsResource;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.FakeRds;
import io.pgstream.operator.support.Pipelines;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review C1 (1), through the running operator: a pipeline in namespace default names another team's
 * instance with masterUserSecret and points spec.source.host at a listener that asks for a cleartext
 * password (the review's probe). Whatever is missing (the power, the tag, the matching host), the
 * listener is never contacted and the master secret is never fetched.
 */
@EnableKubernetesMockClient(crud = true)
class RdsTenancyTest {
  static final String ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-prod";
  static final String MASTER_PASSWORD = "PROD-MASTER-PW";

  KubernetesClient client;
  final FakeRds aws = new FakeRds();
  final CredentialTrap trap = new CredentialTrap();
  FakeRds.Instance prod;
  Operator operator;

  @AfterEach
  void stop() throws IOException {
    if (operator != null) {
      operator.stop();
    }
    aws.close();
    trap.close();
  }

  @Test
  void withoutThePowerTheListenerGetsNothing() {
    foreignInstance(Pipelines.NAMESPACE);
    start(AwsPowers.none());
    awaitRefusal("RdsPowerNotGranted");
    assertThat(aws.actions).as("no AWS call at all").isEmpty();
  }

  @Test
  void withoutTheTagTheListenerGetsNothing() {
    foreignInstance("payments");
    start(AwsPowers.none().grant(Power.MASTER_USER_SECRET, List.of(AwsPowers.ALL)));
    awaitRefusal("RdsAccessDenied");
  }

  /** Fix 7: a missing instance is refused as an untagged one is, so the namespace cannot tell them apart. */
  @Test
  void aMissingInstanceIsRefusedAsAnUntaggedOneIs() {
    start(AwsPowers.none().grant(Power.MASTER_USER_SECRET, List.of(AwsPowers.ALL)));
    awaitRefusal("RdsAccessDenied");
    assertThat(events()).filteredOn(e -> "RdsAccessDenied".equals(e.getReason()))
        .allSatisfy(e -> assertThat(e.getMessage()).contains("prod-payments in region eu-west-1 does not exist").doesNotContain("NotFound"));
  }

  @Test
  void withPowerAndTagButAnotherHostTheListenerGetsNothing() {
    foreignInstance(Pipelines.NAMESPACE);
    start(AwsPowers.none().grant(Power.MASTER_USER_SECRET, List.of(Pipelines.NAMESPACE)));
    awaitRefusal("RdsEndpointMismatch");
  }

  /** The positive path: at the described endpoint the secret is fetched, and still only offered over verified TLS. */
  @Test
  void atTheDescribedEndpointTheSecretIsUsedOnlyOverVerifiedTls() {
    foreignInstance(Pipelines.NAMESPACE);
    prod.address = "127.0.0.1";
    prod.port = trap.port();
    start(AwsPowers.none().grant(Power.MASTER_USER_SECRET, List.of(Pipelines.NAMESPACE)));
    await().atMost(Duration.ofSeconds(30)).until(() -> "True/Granted".equals(condition(ConditionType.RdsAccess)));
    await().atMost(Duration.ofSeconds(30)).until(() -> trap.connections.get() > 0);
    assertThat(aws.actions).contains("GetSecretValue");
    await().atMost(Duration.ofSeconds(30)).until(() -> "False/PrepareFailed".equals(condition(ConditionType.Prepared)));
    assertThat(trap.password.get()).as("verify-full: the server without TLS is refused first").isNull();
    List<String> exposed = new ArrayList<>(events().stream().map(Event::getMessage).toList());
    exposed.add(Serialization.asJson(pipeline()));
    assertThat(exposed).noneMatch(text -> text.contains(MASTER_PASSWORD));
  }

  /** prod-payments, with its master user secret and a tag naming {@code namespaces}. */
  private void foreignInstance(String namespaces) {
    prod = aws.instance("prod-payments", "custom-pg16", "1");
    prod.masterSecretArn = ARN;
    prod.tags.put(RdsResource.NAMESPACES_TAG, namespaces);
    aws.secrets.put(ARN, "{\"username\":\"postgres\",\"password\":\"" + MASTER_PASSWORD + "\"}");
  }

  private void start(AwsPowers powers) {
    operator =
        PgstreamOperator.create(
            client,
            OperatorSettings.forMockServer()
                .withRunnerImages(Pipelines.RUNNERS)
                .withAwsEndpoint(aws.endpoint())
                .withAwsPowers(powers));
    operator.start();
    PgstreamPipeline p = Pipelines.snapshotAndReplication("evil");
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    p.getSpec().source.host = "127.0.0.1";
    p.getSpec().source.port = trap.port();
    p.getSpec().source.sslMode = SslMode.VERIFY_FULL;
    RdsSpec rds = new RdsSpec();
    rds.region = "eu-west-1";
    rds.instanceIdentifier = "prod-payments";
    rds.masterUserSecret = true;
    p.getSpec().source.rds = rds;
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
    for (Secret s : Pipelines.secretsFor("evil")) {
      client.resource(s).create();
    }
    client.resource(p).create();
  }

  private void awaitRefusal(String reason) {
    await().atMost(Duration.ofSeconds(30)).until(() -> ("False/" + reason).equals(condition(ConditionType.RdsAccess)));
    await().atMost(Duration.ofSeconds(10)).until(() -> events().stream().anyMatch(e -> reason.equals(e.getReason())));
    assertThat(pipeline().getStatus().rds).as("nothing about the instance in status").isNull();
    assertThat(aws.actions).doesNotContain("GetSecretValue", "DescribeDBParameters");
    assertThat(trap.connections.get()).as("the listener is never contacted").isZero();
    assertThat(trap.password.get()).isNull();
  }

  private PgstreamPipeline pipeline() {
    return client.resources(PgstreamPipeline.class).inNamespace(Pipelines.NAMESPACE).withName("evil").get();
  }

  private String condition(ConditionType type) {
    PgstreamPipeline p = pipeline();
    return p == null || p.getStatus() == null
        ? null
        : StatusUpdater.condition(p.getStatus(), type).map(c -> c.getStatus() + "/" + c.getReason()).orElse(null);
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(Pipelines.NAMESPACE).list().getItems();
  }

  /** The review's probe: a "PostgreSQL server" that declines TLS and asks for a cleartext password. */
  static final class CredentialTrap implements AutoCloseable {
    private static final int SSL_REQUEST = 80877103;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicReference<String> password = new AtomicReference<>();
    private final ServerSocket listener;

    CredentialTrap() {
      try {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      Thread thread = new Thread(this::serve, "credential-trap");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    private void serve() {
      while (!listener.isClosed()) {
        try (Socket s = listener.accept()) {
          connections.incrementAndGet();
          DataInputStream in = new DataInputStream(s.getInputStream());
          DataOutputStream out = new DataOutputStream(s.getOutputStream());
          int length = in.readInt();
          if (in.readInt() == SSL_REQUEST) {
            out.writeByte('N');
            out.flush();
            length = in.readInt();
            in.readInt();
          }
          in.readFully(new byte[length - 8]);
          out.writeByte('R');
          out.writeInt(8);
          out.writeInt(3); // AuthenticationCleartextPassword
          out.flush();
          byte type = in.readByte();
          byte[] body = new byte[in.readInt() - 4];
          in.readFully(body);
          if (type == 'p') {
            password.set(new String(body, 0, body.length - 1, StandardCharsets.UTF_8));
          }
        } catch (IOException ignored) {
          // The client gave up (verify-full after 'N'), or the trap closed.
        }
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }
}
