package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.SecretEnvSource;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** spec.podTemplate.spec: the pod fields a pipeline may set; each replaces the operator's default (none). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodTemplatePodSpec extends UnknownFields {
  public Map<String, String> nodeSelector;
  public List<Toleration> tolerations;
  public Affinity affinity;
  public List<TopologySpreadConstraint> topologySpreadConstraints;
  public String priorityClassName;

  @JsonPropertyDescription(
      "The pods' ServiceAccount in the pipeline's namespace. Its token is still not mounted"
          + " (automountServiceAccountToken stays false), but identity webhooks (EKS IRSA, Pod Identity) act on it.")
  public String serviceAccountName;

  public List<LocalObjectReference> imagePullSecrets;

  @JsonPropertyDescription(
      "Added to the pgstream container's environment after the operator's; names starting with PGSTREAM_ are"
          + " refused (pgstream's own settings and the credentials).")
  public List<EnvVar> env;

  @JsonPropertyDescription(
      "Whole ConfigMaps or Secrets of the pipeline's namespace as environment; each needs a prefix that does not"
          + " start with PGSTREAM_, because the operator cannot see their keys.")
  public List<EnvFromSource> envFrom;

  /** The Secrets env and envFrom read from (by the kubelet, not the operator), in order, without repeats. */
  public List<String> secretNames() {
    Stream<String> fromEnv =
        env == null ? Stream.empty() : env.stream().map(EnvVar::getValueFrom).filter(Objects::nonNull).map(EnvVarSource::getSecretKeyRef)
            .filter(Objects::nonNull).map(SecretKeySelector::getName);
    Stream<String> fromEnvFrom =
        envFrom == null ? Stream.empty() : envFrom.stream().map(EnvFromSource::getSecretRef).filter(Objects::nonNull).map(SecretEnvSource::getName);
    return Stream.concat(fromEnv, fromEnvFrom).filter(Objects::nonNull).distinct().toList();
  }
}
