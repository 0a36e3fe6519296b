package io.pgstream.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.validation.PipelineValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the PgstreamPipelines of a YAML file that may hold several documents (Secrets beside the
 * pipeline, as in examples/), or of standard input for "-".
 */
final class PipelineFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private PipelineFiles() {}

  static List<PgstreamPipeline> read(String file) throws IOException {
    try (InputStream in = "-".equals(file) ? System.in : Files.newInputStream(Path.of(file))) {
      List<PgstreamPipeline> pipelines = new ArrayList<>();
      for (JsonNode doc : YAML.readValues(YAML.getFactory().createParser(in), JsonNode.class).readAll()) {
        if (doc != null && "PgstreamPipeline".equals(doc.path("kind").asText())) {
          PgstreamPipeline pipeline = Serialization.unmarshal(doc.toString(), PgstreamPipeline.class);
          if (pipeline.getMetadata() == null || pipeline.getMetadata().getName() == null) {
            throw new IllegalArgumentException("a PgstreamPipeline has no metadata.name");
          }
          if (pipeline.getMetadata().getNamespace() == null) {
            pipeline.getMetadata().setNamespace("default");
          }
          pipelines.add(pipeline);
        }
      }
      return pipelines;
    }
  }

  /**
   * The valid pipelines of a file; invalid ones are reported on {@code err} and left out.
   *
   * @return null when the file cannot be used at all (reported and flushed on {@code err})
   */
  static Loaded load(String file, PrintWriter err) {
    List<PgstreamPipeline> pipelines;
    try {
      pipelines = read(file);
    } catch (IOException | IllegalArgumentException e) {
      err.println("error: " + file + " is not valid PgstreamPipeline YAML: " + e.getMessage());
      err.flush();
      return null;
    }
    if (pipelines.isEmpty()) {
      err.println("error: " + file + " holds no PgstreamPipeline");
      err.flush();
      return null;
    }
    List<PgstreamPipeline> valid = new ArrayList<>();
    for (PgstreamPipeline pipeline : pipelines) {
      List<String> problems = PipelineValidator.validate(pipeline);
      problems.forEach(p -> err.println("invalid " + name(pipeline) + ": " + p));
      if (problems.isEmpty()) {
        valid.add(pipeline);
      }
    }
    return new Loaded(valid, valid.size() < pipelines.size());
  }

  record Loaded(List<PgstreamPipeline> valid, boolean someInvalid) {}

  static String name(PgstreamPipeline p) {
    return p.namespacedName();
  }
}
