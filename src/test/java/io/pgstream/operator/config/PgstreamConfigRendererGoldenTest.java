package io.pgstream.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.validation.PipelineValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each folder under src/test/resources/golden holds a pipeline and the config the operator must
 * render for it, and optionally the {@link RenderOptions} the reconciler would pass (options.yaml). Run
 * with -Dgolden.update=true to rewrite the expectations after a deliberate change.
 */
class PgstreamConfigRendererGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden");

  static Stream<String> cases() throws IOException {
    try (Stream<Path> dirs = Files.list(GOLDEN)) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void rendersTheExpectedConfig(String name) throws IOException {
    Path dir = GOLDEN.resolve(name);
    PgstreamPipeline pipeline =
        Serialization.unmarshal(Files.readString(dir.resolve("pipeline.yaml")), PgstreamPipeline.class);
    assertThat(PipelineValidator.validate(pipeline)).as("golden inputs are valid").isEmpty();

    String rendered = PgstreamConfigRenderer.asMultiDocument(new PgstreamConfigRenderer().render(pipeline, options(dir)));

    Path expected = dir.resolve("expected.yaml");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(expected, rendered, StandardCharsets.UTF_8);
    }
    assertThat(rendered).isEqualTo(Files.readString(expected));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void rendersTheSameBytesTwice(String name) throws IOException {
    PgstreamPipeline pipeline =
        Serialization.unmarshal(Files.readString(GOLDEN.resolve(name).resolve("pipeline.yaml")), PgstreamPipeline.class);
    RenderOptions options = options(GOLDEN.resolve(name));
    RenderedConfig first = new PgstreamConfigRenderer().render(pipeline, options);
    RenderedConfig second = new PgstreamConfigRenderer().render(pipeline, options);
    assertThat(second).isEqualTo(first);
  }

  private static RenderOptions options(Path dir) throws IOException {
    Path file = dir.resolve("options.yaml");
    return Files.exists(file) ? Serialization.unmarshal(Files.readString(file), RenderOptions.class) : RenderOptions.NONE;
  }
}
