package io.pgstream.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RenderCommandTest {
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
        .contains("# snapshot.yaml", "# replication.yaml", "replication_slot: pgstream_default_orders")
        .doesNotContain("change-me");
  }

  private static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }
}
