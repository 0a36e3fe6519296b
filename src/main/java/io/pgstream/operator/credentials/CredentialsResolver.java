package io.pgstream.operator.credentials;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SecretKeyRef;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the Secrets a pipeline references. They are read on demand, not cached by an informer, so
 * the operator never holds every Secret of the cluster in memory.
 */
public class CredentialsResolver {
  private final KubernetesClient client;

  public CredentialsResolver(KubernetesClient client) {
    this.client = client;
  }

  /** Either credentials or the first problem found. */
  public sealed interface Result permits Resolved, Unavailable {}

  public record Resolved(ResolvedCredentials credentials) implements Result {}

  public record Unavailable(CredentialsProblem problem) implements Result {}

  public Result resolve(PgstreamPipeline pipeline) {
    String namespace = pipeline.getMetadata().getNamespace();
    Map<String, Secret> secrets = new HashMap<>();
    String[] values = new String[4];
    ConnectionSpec source = pipeline.getSpec().source;
    ConnectionSpec target = pipeline.getSpec().target;
    SecretKeyRef[] refs = {
      source.username.secretKeyRef,
      source.password.secretKeyRef,
      target.username.secretKeyRef,
      target.password.secretKeyRef
    };
    String[] roles = {"source username", "source password", "target username", "target password"};
    for (int i = 0; i < refs.length; i++) {
      SecretKeyRef ref = refs[i];
      Secret secret =
          secrets.computeIfAbsent(ref.name, n -> client.secrets().inNamespace(namespace).withName(n).get());
      if (secret == null) {
        return new Unavailable(
            new CredentialsProblem(
                "SecretNotFound",
                "Secret %s/%s (%s) does not exist; create it with key %s"
                    .formatted(namespace, ref.name, roles[i], ref.key)));
      }
      String value = value(secret, ref.key);
      if (value == null) {
        return new Unavailable(
            new CredentialsProblem(
                "SecretKeyNotFound",
                "Secret %s/%s has no key %s (%s)".formatted(namespace, ref.name, ref.key, roles[i])));
      }
      if (value.isEmpty()) {
        return new Unavailable(
            new CredentialsProblem(
                "SecretValueEmpty",
                "Secret %s/%s key %s (%s) is empty".formatted(namespace, ref.name, ref.key, roles[i])));
      }
      values[i] = value;
    }
    return new Resolved(new ResolvedCredentials(values[0], values[1], values[2], values[3]));
  }

  private static String value(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().containsKey(key)) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
    if (secret.getStringData() != null) {
      return secret.getStringData().get(key);
    }
    return null;
  }
}
