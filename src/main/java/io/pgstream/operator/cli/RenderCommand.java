package io.pgstream.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.validation.PipelineValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints the pgstream config the operator would write, for review in CI or GitOps. The file may hold
 * several documents (Secrets beside the pipeline, as in examples/); every PgstreamPipeline in it is
 * rendered.
 */
@Command(name = "render", description = "Print the pgstream config for each PgstreamPipeline in a file.")
class RenderCommand implements Callable<Integer> {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Option(
      names = {"-f", "--file"},
      required = true,
      description = "YAML file with one or more documents, or - for standard input.")
  String file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<PgstreamPipeline> pipelines;
    try (InputStream in = "-".equals(file) ? System.in : Files.newInputStream(Path.of(file))) {
      pipelines = pipelines(in);
    } catch (IOException | IllegalArgumentException e) {
      err.println("error: " + file + " is not valid PgstreamPipeline YAML: " + e.getMessage());
      return 2;
    }
    if (pipelines.isEmpty()) {
      err.println("error: " + file + " holds no PgstreamPipeline");
      return 2;
    }
    int status = 0;
    for (PgstreamPipeline pipeline : pipelines) {
      if (pipeline.getMetadata().getNamespace() == null) {
        pipeline.getMetadata().setNamespace("default");
      }
      String name = pipeline.getMetadata().getNamespace() + "/" + pipeline.getMetadata().getName();
      List<String> problems = PipelineValidator.validate(pipeline);
      if (!problems.isEmpty()) {
        problems.forEach(p -> err.println("invalid " + name + ": " + p));
        status = 1;
        continue;
      }
      if (pipelines.size() > 1) {
        out.println("# pgstreampipeline " + name);
      }
      out.print(PgstreamConfigRenderer.asMultiDocument(new PgstreamConfigRenderer().render(pipeline)));
    }
    out.flush();
    err.flush();
    return status;
  }

  private static List<PgstreamPipeline> pipelines(InputStream in) throws IOException {
    List<PgstreamPipeline> pipelines = new ArrayList<>();
    for (JsonNode doc : YAML.readValues(YAML.getFactory().createParser(in), JsonNode.class).readAll()) {
      if (doc != null && "PgstreamPipeline".equals(doc.path("kind").asText())) {
        PgstreamPipeline pipeline = Serialization.unmarshal(doc.toString(), PgstreamPipeline.class);
        if (pipeline.getMetadata() == null || pipeline.getMetadata().getName() == null) {
          throw new IllegalArgumentException("a PgstreamPipeline has no metadata.name");
        }
        pipelines.add(pipeline);
      }
    }
    return pipelines;
  }
}
