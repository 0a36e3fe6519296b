package io.pgstream.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.support.ComparedDatabases;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `verify -f` against two databases on the embedded PostgreSQL server. */
class VerifyCommandTest {
  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  TestPostgres pg;

  @BeforeEach
  void sameRowsOnBothSides() {
    pg = ComparedDatabases.fresh();
  }

  private int run(Map<String, String> env, String... extra) throws Exception {
    PgstreamPipeline pipeline = Pipelines.onServers("cli", pg, ComparedDatabases.SOURCE, pg, ComparedDatabases.TARGET);
    pipeline.getSpec().mode = PipelineMode.SNAPSHOT;
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, Serialization.asYaml(pipeline));
    VerifyCommand command = new VerifyCommand();
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
}
