package io.pgstream.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.OperatorException;
import io.pgstream.operator.PgstreamOperator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the operator against the cluster of the current kubeconfig or in-cluster service account. */
@Command(name = "run", description = "Run the operator (the default).")
class RunCommand implements Callable<Integer> {
  @Option(
      names = {"-n", "--namespace"},
      description = "Namespace to watch; repeat for several. All namespaces when omitted.")
  List<String> namespaces = List.of();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = PgstreamOperator.create(client, new LinkedHashSet<>(namespaces), true);
    try {
      operator.start();
    } catch (OperatorException e) {
      spec.commandLine()
          .getErr()
          .printf(
              "error: the operator could not start against %s: is the API server reachable with this"
                  + " kubeconfig or service account, and is the CRD from crds/ installed?%n",
              client.getMasterUrl());
      client.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.stop();
                  client.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}
