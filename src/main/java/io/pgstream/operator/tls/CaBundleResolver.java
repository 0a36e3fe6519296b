package io.pgstream.operator.tls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.credentials.CredentialsProblem;
import io.pgstream.operator.credentials.ReferableSecrets;
import io.pgstream.operator.credentials.ReferencedConfigMaps;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SslMode;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the CA bundle each side trusts: its own caBundle (a ConfigMap or Secret key in the pipeline's
 * namespace, read on demand like the credentials), else the operator's default bundle, unless the
 * side explicitly asks for an unverified sslMode (require or weaker), which keeps it unverified.
 * verify-ca without any bundle is refused: libpq in the pods would look for ~/.postgresql/root.crt.
 */
public class CaBundleResolver {
  private final ReferencedConfigMaps configMaps;
  private final ReferableSecrets secrets;
  private final Optional<CaBundle> operatorDefault;

  /** @param secrets the Secrets a pipeline may reference, as for its logins */
  public CaBundleResolver(KubernetesClient client, ReferableSecrets secrets, Optional<CaBundle> operatorDefault) {
    this.configMaps = new ReferencedConfigMaps(client);
    this.secrets = secrets;
    this.operatorDefault = operatorDefault;
  }

  /** Why a referenced bundle cannot be used, as a condition reason and message. */
  public record Problem(String reason, String message) {}

  /** Thrown inside {@link #resolveInto} to stop at the first problem. */
  private static final class Unusable extends Exception {
    private final Problem problem;

    Unusable(String reason, String message) {
      super(message, null, false, false);
      this.problem = new Problem(reason, message);
    }
  }

  /**
   * Sets each side's {@link ConnectionSpec#trustedCa} on {@code pipeline} (the reconcile's own copy).
   *
   * @return the first problem, or empty when both sides are resolved
   */
  public Optional<Problem> resolveInto(PgstreamPipeline pipeline) {
    String namespace = pipeline.getMetadata().getNamespace();
    try {
      ConnectionSpec source = pipeline.getSpec().source;
      ConnectionSpec target = pipeline.getSpec().target;
      source.trustedCa = bundle(namespace, source, "spec.source");
      target.trustedCa = bundle(namespace, target, "spec.target");
      return Optional.empty();
    } catch (Unusable e) {
      return Optional.of(e.problem);
    }
  }

  private CaBundle bundle(String namespace, ConnectionSpec side, String path) throws Unusable {
    CaBundleSource source = side.caBundle;
    if (source == null) {
      boolean unverifiedByChoice = side.sslMode != null && !side.sslMode.verifies();
      CaBundle fallback = unverifiedByChoice ? null : operatorDefault.orElse(null);
      if (fallback == null && side.effectiveSslMode() == SslMode.VERIFY_CA) {
        // libpq (pg_dump, psql in the pods) accepts sslrootcert=system only with verify-full.
        throw new Unusable(
            "CaBundleRequired",
            ("%s.sslMode verify-ca needs a CA bundle, and there is none: set %s.caBundle to the CA's PEM certificate(s),"
                    + " or use verify-full, which without a bundle trusts the public CAs")
                .formatted(path, path));
      }
      return fallback;
    }
    String field = path + ".caBundle";
    boolean inConfigMap = source.configMapKeyRef != null;
    String kind = inConfigMap ? "ConfigMap" : "Secret";
    String name = inConfigMap ? source.configMapKeyRef.name : source.secretKeyRef.name;
    String key = inConfigMap ? source.configMapKeyRef.key : source.secretKeyRef.key;
    String origin = "%s %s/%s key %s (%s)".formatted(kind, namespace, name, key, field);
    Optional<Map<String, String>> values = inConfigMap ? configMaps.values(namespace, name) : secretValues(namespace, name);
    if (values.isEmpty() && !inConfigMap && secrets.requireReferenceLabel()) {
      CredentialsProblem missing = secrets.missing(namespace, name, "CA bundle of " + field, key);
      throw new Unusable(missing.reason(), missing.message());
    }
    if (values.isEmpty()) {
      throw new Unusable(
          "CaBundleNotFound",
          "The CA bundle " + origin + " does not exist: create the " + kind + " with the CA's PEM certificate(s) under key " + key);
    }
    String pem = values.get().get(key);
    if (pem == null) {
      throw new Unusable("CaBundleNotFound", "The CA bundle " + origin + " does not exist: the " + kind + " has no key " + key);
    }
    try {
      return CaBundle.parse(pem, origin);
    } catch (CaBundle.InvalidCaBundle e) {
      throw new Unusable("CaBundleInvalid", e.getMessage() + "; it must hold the PEM certificate(s) of the CA");
    }
  }

  /** The Secret's values; empty when it does not exist. */
  private Optional<Map<String, String>> secretValues(String namespace, String name) {
    Secret secret = secrets.get(namespace, name);
    return secret == null ? Optional.empty() : Optional.of(ReferencedConfigMaps.decoded(secret.getData()));
  }
}
