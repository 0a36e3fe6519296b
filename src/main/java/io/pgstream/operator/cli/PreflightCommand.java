package io.pgstream.operator.cli;

import io.pgstream.operator.preflight.SlotClaim;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Finding;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.preflight.PreflightReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the operator's database checks from a workstation or CI; exit 1 when any check fails. */
@Command(
    name = "preflight",
    description = "Check the source and target databases of each PgstreamPipeline in a file.")
class PreflightCommand implements Callable<Integer> {
  enum Output {
    table,
    json
  }

  @Option(names = {"-f", "--file"}, required = true, description = "YAML file with one or more documents, or -.")
  String file;

  @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table (default) or json.")
  Output output;

  @Option(names = "--credentials", defaultValue = "env", description = CommandCredentials.DESCRIPTION)
  CommandCredentials credentials;

  @Mixin CommandCaBundles caBundles;

  @Spec CommandSpec spec;

  /** The environment the credentials come from; a field so tests can supply one. */
  Map<String, String> environment = System.getenv();

  /** Where --credentials kube gets its client; a field so tests can supply the mock server's. */
  Supplier<KubernetesClient> kubeClients = CommandCredentials.KUBECONFIG;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PipelineFiles.Loaded loaded = PipelineFiles.load(file, err);
    if (loaded == null) {
      return 2;
    }
    Preflight preflight = new Preflight(DatabaseConnector.defaults());
    List<Map<String, Object>> results = new ArrayList<>();
    boolean failed = loaded.someInvalid();
    try (CommandCaBundles.Resolver trust = caBundles.open(credentials, kubeClients, err)) {
      if (trust == null) {
        return 2;
      }
      for (PgstreamPipeline pipeline : loaded.valid()) {
        ResolvedCredentials creds = CommandCredentials.resolve(pipeline, trust.client(), environment, err);
        // After the credentials, as in the reconciler.
        if (creds == null || !trust.resolveInto(pipeline, err)) {
          failed = true;
          continue;
        }
        String slot = ReplicationSlots.slotFor(pipeline);
        // Only the file's own status is known here: a slot it records is its own.
        PreflightReport report = preflight.run(pipeline.getSpec(), slot, creds, SlotClaim.of(pipeline, slot, false, List.of()));
        failed |= !report.ok();
        if (output == Output.json) {
          Map<String, Object> result = new LinkedHashMap<>();
          result.put("pipeline", PipelineFiles.name(pipeline));
          result.put("ok", report.ok());
          result.put("findings", report.findings());
          result.put("passed", report.passed());
          results.add(result);
        } else {
          table(out, pipeline, report);
        }
      }
    }
    if (output == Output.json) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
    }
    out.flush();
    err.flush();
    return failed ? 1 : 0;
  }

  private static void table(PrintWriter out, PgstreamPipeline pipeline, PreflightReport report) {
    out.printf("%s: %s%n", PipelineFiles.name(pipeline), report.ok() ? "ready" : "NOT READY");
    out.printf("  %-7s %-8s %s%n", "SIDE", "RESULT", "CHECK");
    for (String passed : report.passed()) {
      int colon = passed.indexOf(": ");
      out.printf("  %-7s %-8s %s%n", passed.substring(0, colon), "pass", passed.substring(colon + 2));
    }
    for (Finding f : report.findings()) {
      out.printf(
          "  %-7s %-8s %s: %s%n  %-16s fix: %s%n",
          f.side().name().toLowerCase(),
          f.severity() == io.pgstream.operator.preflight.Severity.ERROR ? "FAIL" : "warn",
          f.code(),
          f.cause(),
          "",
          f.fix());
    }
  }
}
