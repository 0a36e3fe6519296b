package io.pgstream.operator.cli;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.validation.PipelineValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the pgstream config the operator would write, for review in CI or GitOps. */
@Command(name = "render", description = "Print the pgstream config for a PgstreamPipeline file.")
class RenderCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--file"},
      required = true,
      description = "PgstreamPipeline YAML file, or - for standard input.")
  String file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PgstreamPipeline pipeline;
    try (InputStream in = "-".equals(file) ? System.in : Files.newInputStream(Path.of(file))) {
      pipeline = Serialization.unmarshal(in, PgstreamPipeline.class);
    } catch (RuntimeException e) {
      err.println("error: " + file + " is not a PgstreamPipeline: " + e.getMessage());
      return 2;
    }
    if (pipeline == null || pipeline.getMetadata() == null) {
      err.println("error: " + file + " has no PgstreamPipeline with metadata");
      return 2;
    }
    if (pipeline.getMetadata().getNamespace() == null) {
      pipeline.getMetadata().setNamespace("default");
    }
    List<String> problems = PipelineValidator.validate(pipeline);
    if (!problems.isEmpty()) {
      problems.forEach(p -> err.println("invalid: " + p));
      return 1;
    }
    out.print(PgstreamConfigRenderer.asMultiDocument(new PgstreamConfigRenderer().render(pipeline)));
    out.flush();
    return 0;
  }
}
