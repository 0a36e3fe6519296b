package io.pgstream.operator.cli;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the pgstream config the operator would write, for review in CI or GitOps. */
@Command(name = "render", description = "Print the pgstream config for each PgstreamPipeline in a file.")
class RenderCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--file"},
      required = true,
      description = "YAML file with one or more documents, or - for standard input.")
  String file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PipelineFiles.Loaded loaded = PipelineFiles.load(file, err);
    if (loaded == null) {
      return 2;
    }
    for (PgstreamPipeline pipeline : loaded.valid()) {
      if (loaded.valid().size() > 1) {
        out.println("# pgstreampipeline " + PipelineFiles.name(pipeline));
      }
      out.print(PgstreamConfigRenderer.asMultiDocument(new PgstreamConfigRenderer().render(pipeline)));
    }
    out.flush();
    err.flush();
    return loaded.someInvalid() ? 1 : 0;
  }
}
