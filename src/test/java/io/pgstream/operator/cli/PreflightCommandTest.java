package io.pgstream.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestCertificates;
import io.pgstream.operator.support.TestDatabases;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `preflight -f` against the embedded PostgreSQL server; --credentials kube against the mock API server. */
@EnableKubernetesMockClient(crud = true)
class PreflightCommandTest {
  static final Map<String, String> ENV =
      Map.of(
          "PGSTREAM_SOURCE_USER", TestDatabases.SOURCE_USER,
          "PGSTREAM_SOURCE_PASSWORD", Pipelines.SOURCE_PASSWORD,
          "PGSTREAM_TARGET_USER", TestDatabases.TARGET_USER,
          "PGSTREAM_TARGET_PASSWORD", Pipelines.TARGET_PASSWORD);

  static final TestCertificates CERTS = TestCertificates.get();

  @TempDir Path dir;
  KubernetesClient client;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  private int run(PgstreamPipeline pipeline, Map<String, String> env, String... extra) throws Exception {
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, Serialization.asYaml(pipeline));
    PreflightCommand command = new PreflightCommand();
    command.environment = env;
    command.kubeClients = () -> client;
    int code = CommandRuns.execute(command, file, out, err, extra);
    assertThat(out + err.toString()).doesNotContain(Pipelines.SOURCE_PASSWORD).doesNotContain(Pipelines.TARGET_PASSWORD);
    return code;
  }

  @Test
  void aReadyPipelinePrintsItsChecksAndExitsZero() throws Exception {
    assertThat(run(Pipelines.onTestDatabase("cli"), ENV)).isZero();
    assertThat(out.toString()).contains("default/cli: ready", "source  pass     event trigger rights for pgstream init (as pgstream_source)");
  }

  @Test
  void aFailingCheckPrintsTheFixAndExitsOne() throws Exception {
    PgstreamPipeline p = Pipelines.onTestDatabase("cli");
    p.getSpec().target.disableTriggers = true;
    assertThat(run(p, ENV)).isEqualTo(1);
    assertThat(out.toString())
        .contains("default/cli: NOT READY", "target  FAIL     CannotSetSessionReplicationRole", "fix: Set spec.target.disableTriggers: false");
  }

  @Test
  void jsonOutputCarriesCodesCausesAndFixes() throws Exception {
    PgstreamPipeline p = Pipelines.onTestDatabase("cli");
    p.getSpec().target.disableTriggers = true;
    assertThat(run(p, ENV, "--output", "json")).isEqualTo(1);
    JsonNode result = new ObjectMapper().readTree(out.toString()).get(0);
    assertThat(result.get("ok").asBoolean()).isFalse();
    assertThat(result.get("findings").get(0).get("code").asText()).isEqualTo("CannotSetSessionReplicationRole");
    assertThat(result.get("findings").get(0).get("fix").asText()).startsWith("Set spec.target.disableTriggers: false");
  }

  @Test
  void aPasswordPgstreamCannotSendIsRefusedLikeTheOperatorDoes() throws Exception {
    Map<String, String> env = new HashMap<>(ENV);
    env.put("PGSTREAM_TARGET_PASSWORD", "with space");
    assertThat(run(Pipelines.onTestDatabase("cli"), env)).isEqualTo(1);
    assertThat(err.toString()).contains("error default/cli: the target password contains a space").doesNotContain("with space");
  }

  @Test
  void missingCredentialsAreNamed() throws Exception {
    assertThat(run(Pipelines.onTestDatabase("cli"), Map.of())).isEqualTo(1);
    assertThat(err.toString()).contains("set PGSTREAM_SOURCE_USER, PGSTREAM_SOURCE_PASSWORD");
  }

  @Test
  void caBundlesFromTheClusterVerifyTheServersAsTheOperatorDoes() throws Exception {
    PgstreamPipeline p = overTls();
    p.getSpec().source.caBundle = CaBundleSource.configMap("db-ca", "ca.crt");
    p.getSpec().target.caBundle = CaBundleSource.secret("db-ca", "bundle.pem");
    client.resource(new ConfigMapBuilder().withNewMetadata().withName("db-ca").endMetadata().addToData("ca.crt", CERTS.caPem()).build())
        .inNamespace(Pipelines.NAMESPACE).create();
    Secret bundle = Pipelines.secret("db-ca", "unused", "unused");
    bundle.getData().put("bundle.pem", Pipelines.base64(CERTS.caPem()));
    Pipelines.secretsFor("cli").forEach(s -> client.resource(s).create());
    client.resource(bundle).create();

    assertThat(run(p, Map.of(), "--credentials", "kube")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("default/cli: ready");
  }

  @Test
  void aBundleOfAnotherCaInTheClusterFailsNamingIt() throws Exception {
    PgstreamPipeline p = overTls();
    p.getSpec().source.caBundle = CaBundleSource.configMap("other-ca", "ca.crt");
    client.resource(new ConfigMapBuilder().withNewMetadata().withName("other-ca").endMetadata().addToData("ca.crt", CERTS.otherCaPem()).build())
        .inNamespace(Pipelines.NAMESPACE).create();
    Pipelines.secretsFor("cli").forEach(s -> client.resource(s).create());

    assertThat(run(p, Map.of(), "--credentials", "kube")).isEqualTo(1);
    assertThat(out.toString()).contains("is not signed by a CA in ConfigMap default/other-ca key ca.crt (spec.source.caBundle)");
  }

  @Test
  void aMissingBundleInTheClusterIsNamedAndNothingConnects() throws Exception {
    PgstreamPipeline p = overTls();
    p.getSpec().target.caBundle = CaBundleSource.configMap("nowhere", "ca.crt");
    Pipelines.secretsFor("cli").forEach(s -> client.resource(s).create());

    assertThat(run(p, Map.of(), "--credentials", "kube")).isEqualTo(1);
    assertThat(err.toString()).contains("error default/cli: The CA bundle ConfigMap default/nowhere key ca.crt (spec.target.caBundle) does not exist");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void aReferencedBundleIsRefusedWithEnvCredentialsNamingTheFieldAndTheWayOut() throws Exception {
    PgstreamPipeline p = overTls();
    p.getSpec().target.caBundle = CaBundleSource.configMap("db-ca", "ca.crt");

    assertThat(run(p, ENV)).isEqualTo(1);
    assertThat(err.toString())
        .contains("error default/cli: spec.target.caBundle names a ConfigMap or Secret of the cluster, which --credentials env"
            + " cannot read: use --credentials kube");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void theDefaultCaBundleFlagServesSidesWithoutTheirOwn() throws Exception {
    Path bundle = Files.writeString(dir.resolve("ca.crt"), CERTS.caPem());
    PgstreamPipeline p = overTls();
    // Explicit, so that a bundle not applied fails against the JVM's trust store instead of falling back to require.
    p.getSpec().source.sslMode = SslMode.VERIFY_FULL;
    p.getSpec().target.sslMode = SslMode.VERIFY_FULL;
    assertThat(run(p, ENV, "--default-ca-bundle=" + bundle)).as(err.toString()).isZero();
    assertThat(out.toString()).contains("default/cli: ready");
  }

  @Test
  void aDefaultBundleOfAnotherCaFailsNamingTheFlag() throws Exception {
    Path bundle = Files.writeString(dir.resolve("other.crt"), CERTS.otherCaPem());
    assertThat(run(overTls(), ENV, "--default-ca-bundle=" + bundle)).isEqualTo(1);
    assertThat(out.toString())
        .contains("is not signed by a CA in the operator's default CA bundle " + bundle + " (--default-ca-bundle)")
        .doesNotContain("no caBundle is given");
  }

  @Test
  void anUnreadableDefaultBundleStopsTheCommand() throws Exception {
    assertThat(run(overTls(), ENV, "--default-ca-bundle=" + dir.resolve("absent.crt"))).isEqualTo(2);
    assertThat(err.toString()).contains("(--default-ca-bundle) cannot be read");
  }

  /** The test database by the name its certificate is issued for, with the sslMode left to the bundles. */
  private static PgstreamPipeline overTls() {
    PgstreamPipeline p = Pipelines.onTestDatabase("cli");
    for (ConnectionSpec side : java.util.List.of(p.getSpec().source, p.getSpec().target)) {
      side.host = TestCertificates.SERVER_HOST;
      side.sslMode = null;
    }
    return p;
  }
}
