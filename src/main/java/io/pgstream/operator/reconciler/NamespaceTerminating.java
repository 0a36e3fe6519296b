package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The API server's answer to a create in a namespace being deleted: 403 with the cause
 * NamespaceTerminating. Detected from the refusal itself, so no permission on namespaces is needed
 * (a Role of a watched namespace could not grant one).
 */
final class NamespaceTerminating {
  static final String CAUSE = "NamespaceTerminating";

  private NamespaceTerminating() {}

  static boolean refused(KubernetesClientException e) {
    if (e.getCode() != 403) {
      return false;
    }
    Status status = e.getStatus();
    boolean cause = status != null && status.getDetails() != null && status.getDetails().getCauses() != null
        && status.getDetails().getCauses().stream().anyMatch(c -> CAUSE.equals(c.getReason()));
    return cause || String.valueOf(e.getMessage()).contains("because it is being terminated");
  }
}
