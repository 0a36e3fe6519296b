package io.pgstream.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.credentials.CredentialsResolver;
import io.pgstream.operator.credentials.ResolvedCredentials;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** Where the commands that connect to the databases (preflight, verify) take the pipeline's logins from. */
enum CommandCredentials {
  env,
  kube;

  static final String DESCRIPTION =
      "env (default): logins from PGSTREAM_SOURCE_USER, PGSTREAM_SOURCE_PASSWORD, PGSTREAM_TARGET_USER and"
          + " PGSTREAM_TARGET_PASSWORD; kube: read the Secrets the pipeline references via the current kubeconfig.";

  /** A client for kube, else null. */
  KubernetesClient client() {
    return this == kube ? new KubernetesClientBuilder().build() : null;
  }

  /** The pipeline's logins, or null after saying on {@code err} why there are none. */
  static ResolvedCredentials resolve(
      PgstreamPipeline pipeline, KubernetesClient client, Map<String, String> environment, PrintWriter err) {
    if (client != null) {
      CredentialsResolver.Result result = new CredentialsResolver(client).resolve(pipeline);
      if (result instanceof CredentialsResolver.Unavailable u) {
        err.println("error " + PipelineFiles.name(pipeline) + ": " + u.problem().message());
        return null;
      }
      return ((CredentialsResolver.Resolved) result).credentials();
    }
    List<String> names =
        List.of(CredentialEnv.SOURCE_USER, CredentialEnv.SOURCE_PASSWORD, CredentialEnv.TARGET_USER, CredentialEnv.TARGET_PASSWORD);
    List<String> missing = names.stream().filter(n -> environment.get(n) == null).toList();
    if (!missing.isEmpty()) {
      err.println("error: set " + String.join(", ", missing) + " or use --credentials kube");
      return null;
    }
    return new ResolvedCredentials(
        environment.get(names.get(0)), environment.get(names.get(1)), environment.get(names.get(2)), environment.get(names.get(3)));
  }
}
