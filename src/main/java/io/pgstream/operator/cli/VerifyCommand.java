package io.pgstream.operator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.verify.TableResult;
import io.pgstream.operator.verify.VerificationException;
import io.pgstream.operator.verify.VerificationReport;
import io.pgstream.operator.verify.Verifier;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
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

/** Compares each pipeline's target with its source from a workstation or CI; exit 1 on any difference. */
@Command(
    name = "verify",
    description =
        "Compare the source and target of each PgstreamPipeline in a file, table by table (row counts and checksums).")
class VerifyCommand implements Callable<Integer> {
  @Option(names = {"-f", "--file"}, required = true, description = "YAML file with one or more documents, or -.")
  String file;

  @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table (default) or json.")
  PreflightCommand.Output output;

  @Option(names = "--credentials", defaultValue = "env", description = CommandCredentials.DESCRIPTION)
  CommandCredentials credentials;

  @Option(
      names = "--slot-wait",
      defaultValue = "120",
      description = "Seconds to wait for pgstream to confirm the source position on its slot (default 120).")
  long slotWaitSeconds;

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
    Verifier verifier = new Verifier(DatabaseConnector.defaults(), Duration.ofSeconds(slotWaitSeconds), Clock.systemUTC());
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
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("pipeline", PipelineFiles.name(pipeline));
        try {
          VerificationReport report = verifier.verify(pipeline, creds);
          failed |= !report.mismatched().isEmpty();
          result.put("match", report.mismatched().isEmpty());
          result.put("lsn", report.lsn());
          result.put("tables", report.tables());
          if (output == PreflightCommand.Output.table) {
            table(out, PipelineFiles.name(pipeline), report);
          }
        } catch (VerificationException e) {
          failed = true;
          result.put("error", e.getMessage());
          if (output == PreflightCommand.Output.table) {
            out.printf("%s: FAILED: %s%n", PipelineFiles.name(pipeline), e.getMessage());
          }
        }
        results.add(result);
      }
    }
    if (output == PreflightCommand.Output.json) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
    }
    out.flush();
    err.flush();
    return failed ? 1 : 0;
  }

  private static void table(PrintWriter out, String name, VerificationReport report) {
    int mismatched = report.mismatched().size();
    out.printf(
        "%s: %s at source LSN %s (%d tables)%n",
        name,
        mismatched == 0 ? "MATCH" : mismatched + " MISMATCHED",
        report.lsn(),
        report.tables().size());
    int width = Math.max(5, report.tables().stream().mapToInt(t -> t.table().length()).max().orElse(0));
    String row = "  %-" + width + "s  %12s  %12s  %-8s  %s%n";
    out.printf(row, "TABLE", "SOURCE ROWS", "TARGET ROWS", "RESULT", "DETAIL");
    for (TableResult t : report.tables()) {
      out.printf(
          row,
          t.table(),
          t.sourceRows() == null ? "-" : t.sourceRows(),
          t.targetRows() == null ? "-" : t.targetRows(),
          t.match() ? "match" : "MISMATCH",
          t.detail() == null ? "" : t.detail());
    }
  }
}
