package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.CredentialsCache;
import io.pgstream.operator.credentials.CredentialsResolver;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PipelineContext;
import io.pgstream.operator.dependent.RunnerImages;
import io.pgstream.operator.tls.CaBundleResolver;
import io.pgstream.operator.transform.TransformationRules;
import java.util.Optional;

/**
 * What every step runs with: the credentials from the Secrets, the CA bundles, the transformation
 * rules, the rendered config, and the derived Secret and ConfigMap the pods read them from. The same for a running pipeline and
 * for the destroy Job of a deleted one.
 */
final class PipelineInputs {
  /** Either the inputs, or why they cannot be had (a condition reason and its message). */
  sealed interface Result {}

  record Ready(RenderedConfig config, ResolvedCredentials credentials) implements Result {}

  record Unavailable(String reason, String message) implements Result {}

  private final CredentialsCache credentials;
  private final CaBundleResolver caBundles;
  private final TransformationRules transformationRules;
  private final PgstreamConfigRenderer renderer;
  private final RunnerImages runners;
  private final Dependents children;

  PipelineInputs(
      CredentialsCache credentials,
      CaBundleResolver caBundles,
      TransformationRules transformationRules,
      PgstreamConfigRenderer renderer,
      RunnerImages runners,
      Dependents children) {
    this.credentials = credentials;
    this.caBundles = caBundles;
    this.transformationRules = transformationRules;
    this.renderer = renderer;
    this.runners = runners;
    this.children = children;
  }

  Result resolve(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    Result logins = logins(p);
    if (logins instanceof Unavailable) {
      return logins;
    }
    ResolvedCredentials creds = ((Ready) logins).credentials();
    // Without its rules a config would copy the columns unmasked: nothing is rendered until they are read.
    Optional<TransformationRules.Problem> rules = transformationRules.resolveInto(p);
    if (rules.isPresent()) {
      return new Unavailable(rules.get().reason(), rules.get().message());
    }
    RenderedConfig config = renderer.render(p, TableCoverage.renderOptions(p));
    PipelineContext.put(ctx, config, creds, runners.pgstreamImage(p));
    children.credentialsSecret.reconcile(p, ctx);
    children.configMap.reconcile(p, ctx);
    return new Ready(config, creds);
  }

  /**
   * The credentials and CA bundles alone (config null), writing nothing: for the operator's own
   * connections, also where no child can be written (a terminating namespace).
   */
  Result logins(PgstreamPipeline p) {
    CredentialsResolver.Result resolved = credentials.resolve(p);
    if (resolved instanceof CredentialsResolver.Unavailable unavailable) {
      return new Unavailable(unavailable.problem().reason(), unavailable.problem().message());
    }
    Optional<CaBundleResolver.Problem> untrusted = caBundles.resolveInto(p);
    if (untrusted.isPresent()) {
      return new Unavailable(untrusted.get().reason(), untrusted.get().message());
    }
    return new Ready(null, ((CredentialsResolver.Resolved) resolved).credentials());
  }

  void forget(PgstreamPipeline p) {
    credentials.forget(p);
  }
}
