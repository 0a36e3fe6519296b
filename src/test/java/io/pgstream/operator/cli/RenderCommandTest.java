package io.pgstream.operator.cli;

import io.pgstream.operator.config.ReplicationSlots;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestCertificates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@EnableKubernetesMockClient(crud = true)
class RenderCommandTest {
  static final String CA = TestCertificates.get().caPem();

  KubernetesClient client;

  @Test
  void printsTheGoldenConfig() throws Exception {
    Path golden = Path.of("src/test/resources/golden/rds-snapshot");
    StringWriter out = new StringWriter();
    int code = run(out, new StringWriter(), "render", "-f", golden.resolve("pipeline.yaml").toString());
    assertThat(code).isZero();
    assertThat(out.toString()).isEqualTo(Files.readString(golden.resolve("expected.yaml")));
  }

  @Test
  void rejectsAnInvalidPipelineWithTheReason(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file,
        Files.readString(Path.of("src/test/resources/golden/rds-snapshot/pipeline.yaml"))
            .replace("tables: [\"public.*\"]", "tables: [\"public.x; drop table y\"]"));
    StringWriter err = new StringWriter();
    assertThat(run(new StringWriter(), err, "render", "-f", file.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("invalid analytics/orders-copy: spec.tables[0]");
  }

  @Test
  void rejectsAFileThatIsNoPipeline(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "kind: PgstreamPipeline\nspec: [unclosed");
    StringWriter err = new StringWriter();
    assertThat(run(new StringWriter(), err, "render", "-f", file.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("is not valid PgstreamPipeline YAML");
  }

  @Test
  void rendersEveryPipelineOfAMultiDocumentFileAndSkipsTheSecrets() {
    StringWriter out = new StringWriter();
    assertThat(run(out, new StringWriter(), "render", "-f", "examples/rds-snapshot-then-stream.yaml")).isZero();
    assertThat(out.toString())
        .contains("# snapshot.yaml", "# replication.yaml", "replication_slot: " + ReplicationSlots.defaultName("default", "orders"))
        .doesNotContain("change-me");
  }

  private static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void printsTheCaFilesTheUrlsNameFromTheCluster(@TempDir Path dir) throws Exception {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("orders");
    p.getSpec().source.caBundle = CaBundleSource.configMap("db-ca", "ca.crt");
    p.getSpec().target.sslMode = SslMode.REQUIRE;
    client.resource(new ConfigMapBuilder().withNewMetadata().withName("db-ca").endMetadata().addToData("ca.crt", CA).build())
        .inNamespace(Pipelines.NAMESPACE).create();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    assertThat(render(out, err, p, dir, "--credentials", "kube")).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("sslmode=verify-full&sslrootcert=%2Fetc%2Fpgstream%2Fsource-ca.crt")
        .endsWith("---\n# source-ca.crt\n" + CA)
        .doesNotContain("# target-ca.crt");
  }

  @Test
  void printsTheDefaultBundleForSidesWithoutTheirOwn(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("ca.crt"), CA);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    assertThat(render(out, err, Pipelines.snapshotAndReplication("orders"), dir, "--default-ca-bundle=" + bundle)).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("sslrootcert=%2Fetc%2Fpgstream%2Fsource-ca.crt", "sslrootcert=%2Fetc%2Fpgstream%2Ftarget-ca.crt")
        .endsWith("---\n# source-ca.crt\n" + CA + "---\n# target-ca.crt\n" + CA);
  }

  @Test
  void refusesABundleItCannotReadInsteadOfRenderingWithoutIt(@TempDir Path dir) throws Exception {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("orders");
    p.getSpec().target.caBundle = CaBundleSource.secret("warehouse-ca", "ca.crt");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    assertThat(render(out, err, p, dir)).isEqualTo(1);
    assertThat(err.toString())
        .contains("error default/orders: spec.target.caBundle names a ConfigMap or Secret of the cluster, which"
            + " --credentials env cannot read: use --credentials kube");
    assertThat(out.toString()).isEmpty();
  }

  private int render(StringWriter out, StringWriter err, PgstreamPipeline pipeline, Path dir, String... extra) throws Exception {
    Path file = Files.writeString(dir.resolve("pipeline.yaml"), Serialization.asYaml(pipeline));
    RenderCommand command = new RenderCommand();
    command.kubeClients = () -> client;
    return CommandRuns.execute(command, file, out, err, extra);
  }
}
