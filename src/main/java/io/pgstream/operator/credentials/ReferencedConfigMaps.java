package io.pgstream.operator.credentials;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The ConfigMaps a pipeline references (CA bundles, transformation rules), read on demand in the
 * pipeline's own namespace: never cached by an informer, as for {@link ReferableSecrets}.
 */
public record ReferencedConfigMaps(KubernetesClient client) {
  /** The ConfigMap's text and binary values; empty when it does not exist. */
  public Optional<Map<String, String>> values(String namespace, String name) {
    ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
    if (map == null) {
      return Optional.empty();
    }
    Map<String, String> values = decoded(map.getBinaryData());
    if (map.getData() != null) {
      values.putAll(map.getData());
    }
    return Optional.of(values);
  }

  /** Base64 values (a Secret's data, a ConfigMap's binaryData) as UTF-8 text. */
  public static Map<String, String> decoded(Map<String, String> base64Values) {
    Map<String, String> values = new HashMap<>();
    if (base64Values != null) {
      base64Values.forEach((k, v) -> values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    return values;
  }
}
