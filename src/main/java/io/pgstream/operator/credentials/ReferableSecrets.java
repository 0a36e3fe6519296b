package io.pgstream.operator.credentials;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The Secrets a pipeline may reference: those labelled {@link #REFERENCE_LABEL} from the operator's
 * watch ({@link OfferedSecrets}), any other read on demand, so the operator holds no Secret of the
 * cluster it was not offered. With {@code --require-secret-reference-label} only labelled Secrets
 * count: whoever may create pipelines but not read Secrets cannot have the operator read one for
 * them that its owner did not offer.
 */
public record ReferableSecrets(KubernetesClient client, boolean requireReferenceLabel, OfferedSecrets offered) {
  public static final String REFERENCE_LABEL = "pgstream.io/reference-allowed";

  /** Reading every Secret on demand: for the CLI, which runs no informer. */
  public ReferableSecrets(KubernetesClient client, boolean requireReferenceLabel) {
    this(client, requireReferenceLabel, new OfferedSecrets());
  }

  /**
   * The Secret, or null. An offered Secret the watch has not shown yet (just created) is read. With
   * the label required, the API server selects by the label, so an unlabelled Secret's data never
   * reaches the operator.
   */
  public Secret get(String namespace, String name) {
    Secret watched = offered.get(namespace, name);
    if (watched != null) {
      return watched;
    }
    if (!requireReferenceLabel) {
      return client.secrets().inNamespace(namespace).withName(name).get();
    }
    return client.secrets().inNamespace(namespace).withLabel(REFERENCE_LABEL, "true").withField("metadata.name", name)
        .list().getItems().stream()
        .filter(s -> name.equals(s.getMetadata().getName()))
        .findFirst()
        .orElse(null);
  }

  /**
   * Why a missing Secret cannot be used. With the label required, a missing and an unlabelled Secret
   * get the same answer: whether a Secret exists may be all a tenant wants to learn.
   */
  public CredentialsProblem missing(String namespace, String name, String what, String key) {
    if (requireReferenceLabel) {
      return new CredentialsProblem(
          "SecretNotReferenceable",
          ("Secret %s/%s (%s) does not exist or lacks the label %s: \"true\"; this operator reads only"
                  + " Secrets offered to pipelines. If this pipeline may use it, the platform or namespace admin who"
                  + " manages the Secret adds the label: kubectl label secret %s -n %s %s=true")
              .formatted(namespace, name, what, REFERENCE_LABEL, name, namespace, REFERENCE_LABEL));
    }
    return new CredentialsProblem(
        "SecretNotFound", "Secret %s/%s (%s) does not exist; create it with key %s".formatted(namespace, name, what, key));
  }
}
