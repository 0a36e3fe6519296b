package io.pgstream.operator.tls;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the CA bundle each side trusts: its own caBundle (a ConfigMap or Secret key in the pipeline's
 * namespace, read on demand like the credentials), else the operator's default bundle, else none.
 */
public class CaBundleResolver {
  private final KubernetesClient client;
  private final Optional<CaBundle> operatorDefault;

  public CaBundleResolver(KubernetesClient client, Optional<CaBundle> operatorDefault) {
    this.client = client;
    this.operatorDefault = operatorDefault;
  }

  /** Why a referenced bundle cannot be used, as a condition reason and message. */
  public record Problem(String reason, String message) {}

  /** Thrown inside {@link #resolve} to stop at the first problem. */
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
    PgstreamPipelineSpec spec = pipeline.getSpec();
    String namespace = pipeline.getMetadata().getNamespace();
    try {
      spec.source.trustedCa = bundle(namespace, spec.source.caBundle, "spec.source.caBundle");
      spec.target.trustedCa = bundle(namespace, spec.target.caBundle, "spec.target.caBundle");
      return Optional.empty();
    } catch (Unusable e) {
      return Optional.of(e.problem);
    }
  }

  private CaBundle bundle(String namespace, CaBundleSource source, String field) throws Unusable {
    if (source == null) {
      return operatorDefault.orElse(null);
    }
    String pem;
    String origin;
    if (source.configMapKeyRef != null) {
      origin = "ConfigMap %s/%s key %s (%s)".formatted(namespace, source.configMapKeyRef.name, source.configMapKeyRef.key, field);
      ConfigMap map = client.configMaps().inNamespace(namespace).withName(source.configMapKeyRef.name).get();
      pem = map == null ? null : configMapValue(map, source.configMapKeyRef.key);
      missing(map == null, pem, origin, "ConfigMap");
    } else {
      origin = "Secret %s/%s key %s (%s)".formatted(namespace, source.secretKeyRef.name, source.secretKeyRef.key, field);
      Secret secret = client.secrets().inNamespace(namespace).withName(source.secretKeyRef.name).get();
      pem = secret == null ? null : decoded(secret.getData(), source.secretKeyRef.key);
      missing(secret == null, pem, origin, "Secret");
    }
    try {
      return CaBundle.parse(pem, origin);
    } catch (CaBundle.InvalidCaBundle e) {
      throw new Unusable("CaBundleInvalid", e.getMessage() + "; it must hold the PEM certificate(s) of the CA");
    }
  }

  private static void missing(boolean objectMissing, String pem, String origin, String kind) throws Unusable {
    if (objectMissing) {
      throw new Unusable(
          "CaBundleNotFound",
          "The CA bundle " + origin + " does not exist: create the " + kind + " with the CA's PEM certificate(s) under that key");
    }
    if (pem == null) {
      throw new Unusable("CaBundleNotFound", "The CA bundle " + origin + " does not exist: the " + kind + " has no such key");
    }
  }

  private static String configMapValue(ConfigMap map, String key) {
    if (map.getData() != null && map.getData().containsKey(key)) {
      return map.getData().get(key);
    }
    return decoded(map.getBinaryData(), key);
  }

  private static String decoded(Map<String, String> base64Values, String key) {
    if (base64Values == null || !base64Values.containsKey(key)) {
      return null;
    }
    return new String(Base64.getDecoder().decode(base64Values.get(key)), StandardCharsets.UTF_8);
  }
}
