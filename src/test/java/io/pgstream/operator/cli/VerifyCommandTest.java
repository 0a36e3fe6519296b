package io.pgstream.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.support.ComparedDatabases;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestCertificates;
import io.pgstream.operator.support.TestPostgres;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `verify -f` against two databases on the embedded PostgreSQL server; --credentials kube against the mock API server. */
@EnableKubernetesMockClient(crud = true)
class VerifyCommandTest {
  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  TestPostgres pg;
  KubernetesClient client;

  @BeforeEach
  void sameRowsOnBothSides() {
    pg = ComparedDatabases.fresh();
  }

  private int run(Map<String, String> env, String... extra) throws Exception {
    return run(p -> {}, env, extra);
  }

  private int run(Consumer<PgstreamPipeline> change, Map<String, String> env, String... extra) throws Exception {
    PgstreamPipeline pipeline = Pipelines.onServers("cli", pg, ComparedDatabases.SOURCE, pg, ComparedDatabases.TARGET);
    pipeline.getSpec().mode = PipelineMode.SNAPSHOT;
    change.accept(pipeline);
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, Serialization.asYaml(pipeline));
    VerifyCommand command = new VerifyCommand();
    command.environment = env;
    command.kubeClients = () -> client;
    int code = CommandRuns.execute(command, file, out, err, extra);
    assertThat(out + err.toString()).doesNotContain(Pipelines.SOURCE_PASSWORD).doesNotContain(Pipelines.TARGET_PASSWORD);
    return code;
  }

  @Test
  void equalDatabasesPrintEveryTableAndExitZero() throws Exception {
    assertThat(run(PreflightCommandTest.ENV)).isZero();
    assertThat(out.toString())
        .contains("default/cli: MATCH at source LSN ", "(3 tables)")
        .containsPattern("public\\.orders +2500 +2500 +match")
        .containsPattern("public\\.log +3 +3 +match +no primary key on both sides: compared in one pass");
  }

  @Test
  void aDifferenceNamesTheTableAndExitsOne() throws Exception {
    pg.execute(ComparedDatabases.TARGET, "DELETE FROM public.lines WHERE order_id = 7");
    assertThat(run(PreflightCommandTest.ENV)).isEqualTo(1);
    assertThat(out.toString())
        .contains("default/cli: 1 MISMATCHED")
        .containsPattern("public\\.lines +1200 +1197 +MISMATCH +row counts differ in 1 of 1 key ranges")
        .containsPattern("public\\.orders +2500 +2500 +match");
  }

  @Test
  void jsonOutputCarriesEveryTable() throws Exception {
    pg.execute(ComparedDatabases.TARGET, "UPDATE public.orders SET note = 'changed' WHERE id = 3");
    assertThat(run(PreflightCommandTest.ENV, "-o", "json")).isEqualTo(1);
    JsonNode result = new ObjectMapper().readTree(out.toString()).get(0);
    assertThat(result.get("match").asBoolean()).isFalse();
    assertThat(result.get("tables")).hasSize(3);
    JsonNode orders = result.get("tables").get(2);
    assertThat(orders.get("table").asText()).isEqualTo("public.orders");
    assertThat(orders.get("match").asBoolean()).isFalse();
  }

  @Test
  void aRefusedLoginIsReportedWithoutThePasswordAndExitsOne() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(PreflightCommandTest.ENV);
    env.put("PGSTREAM_TARGET_PASSWORD", "wr0ng-" + Pipelines.TARGET_PASSWORD);
    assertThat(run(env)).isEqualTo(1);
    assertThat(out.toString()).contains("default/cli: FAILED: Cannot connect to the target");
  }

  @Test
  void missingCredentialsAreNamed() throws Exception {
    assertThat(run(Map.of())).isEqualTo(1);
    assertThat(err.toString()).contains("set PGSTREAM_SOURCE_USER, PGSTREAM_SOURCE_PASSWORD");
  }

  @Test
  void aCaBundleFromTheClusterVerifiesBothServers() throws Exception {
    client.resource(new ConfigMapBuilder().withNewMetadata().withName("db-ca").endMetadata().addToData("ca.crt", TestCertificates.get().caPem()).build())
        .inNamespace(Pipelines.NAMESPACE).create();
    Pipelines.secretsFor("cli").forEach(s -> client.resource(s).create());
    Consumer<PgstreamPipeline> verifiedByTheBundle =
        p -> overTls(p).forEach(side -> side.caBundle = CaBundleSource.configMap("db-ca", "ca.crt"));

    assertThat(run(verifiedByTheBundle, Map.of(), "--credentials", "kube")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("default/cli: MATCH at source LSN ");
  }

  @Test
  void aDefaultBundleOfAnotherCaFailsNamingTheFlag() throws Exception {
    Path bundle = Files.writeString(dir.resolve("other.crt"), TestCertificates.get().otherCaPem());
    assertThat(run(VerifyCommandTest::overTls, PreflightCommandTest.ENV, "--default-ca-bundle=" + bundle)).isEqualTo(1);
    assertThat(out.toString())
        .contains("default/cli: FAILED: ")
        .contains("(--default-ca-bundle)")
        .doesNotContain("no caBundle is given");
  }

  @Test
  void aReferencedBundleIsRefusedWithEnvCredentials() throws Exception {
    Consumer<PgstreamPipeline> referencing = p -> p.getSpec().source.caBundle = CaBundleSource.secret("db-ca", "ca.crt");
    assertThat(run(referencing, PreflightCommandTest.ENV)).isEqualTo(1);
    assertThat(err.toString()).contains("error default/cli: spec.source.caBundle names a ConfigMap or Secret of the cluster");
    assertThat(out.toString()).isEmpty();
  }

  /** Both sides by the name the servers' certificate is issued for, with the sslMode left to the bundles. */
  private static List<ConnectionSpec> overTls(PgstreamPipeline p) {
    List<ConnectionSpec> sides = List.of(p.getSpec().source, p.getSpec().target);
    sides.forEach(
        side -> {
          side.host = TestCertificates.SERVER_HOST;
          side.sslMode = null;
        });
    return sides;
  }
}
