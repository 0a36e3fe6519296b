package io.pgstream.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the pgstream config the operator would write, for review in CI or GitOps. */
@Command(name = "render", description = "Print the pgstream config and CA bundles for each PgstreamPipeline in a file.")
class RenderCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--file"},
      required = true,
      description = "YAML file with one or more documents, or - for standard input.")
  String file;

  @Option(
      names = "--credentials",
      defaultValue = "env",
      description =
          "Where the spec.*.caBundle a pipeline references is read: env (default) reads nothing from the cluster, so such"
              + " a pipeline is refused; kube: via the current kubeconfig. render reads no logins.")
  CommandCredentials credentials;

  @Mixin CommandCaBundles caBundles;

  @Spec CommandSpec spec;

  /** Where --credentials kube gets its client; a field so tests can supply the mock server's. */
  Supplier<KubernetesClient> kubeClients = CommandCredentials.KUBECONFIG;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PipelineFiles.Loaded loaded = PipelineFiles.load(file, err);
    if (loaded == null) {
      return 2;
    }
    boolean failed = loaded.someInvalid();
    try (CommandCaBundles.Resolver trust = caBundles.open(credentials, kubeClients, err)) {
      if (trust == null) {
        return 2;
      }
      for (PgstreamPipeline pipeline : loaded.valid()) {
        if (!trust.resolveInto(pipeline, err)) {
          failed = true;
          continue;
        }
        if (loaded.valid().size() > 1) {
          out.println("# pgstreampipeline " + PipelineFiles.name(pipeline));
        }
        out.print(PgstreamConfigRenderer.asMultiDocument(new PgstreamConfigRenderer().render(pipeline)));
      }
    }
    out.flush();
    err.flush();
    return failed ? 1 : 0;
  }
}
