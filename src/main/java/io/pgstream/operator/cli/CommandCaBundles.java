package io.pgstream.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.TransformationsSpec;
import io.pgstream.operator.credentials.ReferableSecrets;
import io.pgstream.operator.credentials.ReferencedConfigMaps;
import io.pgstream.operator.tls.CaBundle;
import io.pgstream.operator.tls.CaBundleResolver;
import io.pgstream.operator.transform.TransformationRules;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The CA bundles the commands trust, resolved by the operator's own {@link CaBundleResolver}, and the
 * transformation rules kept in a ConfigMap ({@link TransformationRules}): a command must connect, fail,
 * render and compare as the operator would, so no bundle or rule is skipped or guessed.
 */
final class CommandCaBundles {
  @Option(
      names = "--default-ca-bundle",
      description =
          "PEM file of the CA bundle that pipeline sides without spec.*.caBundle trust, as the operator's flag of the"
              + " same name (chart value tls.defaultCaBundle); none when omitted.")
  Path defaultCaBundle;

  /**
   * The resolver for the chosen credentials mode, with the kube client it reads bundles (and logins)
   * through; env has none, so a referenced bundle is refused.
   *
   * @return null after saying on {@code err} why the default bundle is unusable
   */
  Resolver open(CommandCredentials mode, Supplier<KubernetesClient> kubeClients, PrintWriter err) {
    Optional<CaBundle> fallback = Optional.empty();
    if (defaultCaBundle != null) {
      try {
        fallback = Optional.of(CaBundle.readDefault(defaultCaBundle));
      } catch (CaBundle.InvalidCaBundle e) {
        err.println("error: " + e.getMessage());
        err.flush();
        return null;
      }
    }
    KubernetesClient client = mode.client(kubeClients);
    // Secrets as the credentials of --credentials kube read them: with the caller's own rights.
    return new Resolver(client, new CaBundleResolver(client, new ReferableSecrets(client, false), fallback));
  }

  /** @param client null for --credentials env */
  record Resolver(KubernetesClient client, CaBundleResolver resolver) implements AutoCloseable {
    /**
     * Sets each side's trustedCa, and the rules from a ConfigMap, on {@code pipeline}; false after saying
     * on {@code err} why it cannot.
     */
    boolean resolveInto(PgstreamPipeline pipeline, PrintWriter err) {
      if (client == null) {
        Optional<String> unreadable =
            unreadable(pipeline.getSpec().source, "spec.source")
                .or(() -> unreadable(pipeline.getSpec().target, "spec.target"))
                .or(() -> unreadableRules(pipeline));
        if (unreadable.isPresent()) {
          err.println("error " + PipelineFiles.name(pipeline) + ": " + unreadable.get());
          return false;
        }
      }
      Optional<String> problem = resolver.resolveInto(pipeline).map(CaBundleResolver.Problem::message).or(() -> rules(pipeline));
      problem.ifPresent(message -> err.println("error " + PipelineFiles.name(pipeline) + ": " + message));
      return problem.isEmpty();
    }

    /** Rules kept in a ConfigMap, read as the operator reads them; with --credentials env none are referenced here. */
    private Optional<String> rules(PgstreamPipeline pipeline) {
      if (client == null) {
        return Optional.empty();
      }
      return new TransformationRules(new ReferencedConfigMaps(client)).resolveInto(pipeline).map(TransformationRules.Problem::message);
    }

    private static Optional<String> unreadableRules(PgstreamPipeline pipeline) {
      TransformationsSpec t = pipeline.getSpec().transformations;
      if (t == null || t.rulesFrom == null) {
        return Optional.empty();
      }
      return Optional.of(
          "spec.transformations.rulesFrom names a ConfigMap of the cluster, which --credentials env cannot read: use"
              + " --credentials kube to read it with the current kubeconfig, as the operator does");
    }

    @Override
    public void close() {
      if (client != null) {
        client.close();
      }
    }

    /** Without a client the resolver can only apply the default bundle: a referenced one is refused, not skipped. */
    private static Optional<String> unreadable(ConnectionSpec side, String path) {
      if (side.caBundle == null) {
        return Optional.empty();
      }
      return Optional.of(
          ("%s.caBundle names a ConfigMap or Secret of the cluster, which --credentials env cannot read: use"
                  + " --credentials kube to read it with the current kubeconfig, as the operator does")
              .formatted(path));
    }
  }
}
