package io.pgstream.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `preflight -f` against the embedded PostgreSQL server. */
class PreflightCommandTest {
  static final Map<String, String> ENV =
      Map.of(
          "PGSTREAM_SOURCE_USER", TestDatabases.SOURCE_USER,
          "PGSTREAM_SOURCE_PASSWORD", Pipelines.SOURCE_PASSWORD,
          "PGSTREAM_TARGET_USER", TestDatabases.TARGET_USER,
          "PGSTREAM_TARGET_PASSWORD", Pipelines.TARGET_PASSWORD);

  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  private int run(PgstreamPipeline pipeline, Map<String, String> env, String... extra) throws Exception {
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, Serialization.asYaml(pipeline));
    PreflightCommand command = new PreflightCommand();
    command.environment = env;
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] args = new String[extra.length + 2];
    args[0] = "-f";
    args[1] = file.toString();
    System.arraycopy(extra, 0, args, 2, extra.length);
    int code = cli.execute(args);
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
}
