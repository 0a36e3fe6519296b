package io.pgstream.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.credentials.CredentialsProblem;
import io.pgstream.operator.credentials.CredentialsResolver;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.PasswordCharacters;
import io.pgstream.operator.credentials.ResolvedCredentials;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the commands that connect to the databases (preflight, verify) take the pipeline's logins
 * from, and they and render the CA bundles it references ({@link CommandCaBundles}).
 */
enum CommandCredentials {
  env,
  kube;

  static final String DESCRIPTION =
      "env (default): logins from PGSTREAM_SOURCE_USER, PGSTREAM_SOURCE_PASSWORD, PGSTREAM_TARGET_USER and"
          + " PGSTREAM_TARGET_PASSWORD; kube: read the Secrets (and spec.*.caBundle) the pipeline references via the current kubeconfig; env cannot"
          + " read a caBundle, so a pipeline with one is refused.";

  /** Builds the client of the current kubeconfig; the commands hold one in a field so tests can supply the mock server's. */
  static final Supplier<KubernetesClient> KUBECONFIG = () -> new KubernetesClientBuilder().build();

  /** A client for kube, else null. */
  KubernetesClient client(Supplier<KubernetesClient> clients) {
    return this == kube ? clients.get() : null;
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
    Login source = new Login(environment.get(names.get(0)), environment.get(names.get(1)));
    Login target = new Login(environment.get(names.get(2)), environment.get(names.get(3)));
    // As the operator would refuse them from Secrets: the databases may accept a password pgstream cannot send.
    Optional<CredentialsProblem> unsupported =
        PasswordCharacters.check(source, "source").or(() -> PasswordCharacters.check(target, "target"));
    if (unsupported.isPresent()) {
      err.println("error " + PipelineFiles.name(pipeline) + ": " + unsupported.get().message());
      return null;
    }
    return new ResolvedCredentials(source, target, null, null);
  }
}
