package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the PEM certificates of the CA that signed a database's server certificate are. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.configMapKeyRef) != has(self.secretKeyRef)",
    message = "caBundle needs exactly one of configMapKeyRef and secretKeyRef")
public class CaBundleSource {
  @JsonPropertyDescription("A ConfigMap key holding the PEM bundle (a CA certificate is public data).")
  public ConfigMapKeyRef configMapKeyRef;

  @JsonPropertyDescription("A Secret key holding the PEM bundle, where the platform keeps it in a Secret.")
  public SecretKeyRef secretKeyRef;

  public CaBundleSource() {}

  public static CaBundleSource configMap(String name, String key) {
    CaBundleSource s = new CaBundleSource();
    s.configMapKeyRef = new ConfigMapKeyRef(name, key);
    return s;
  }

  public static CaBundleSource secret(String name, String key) {
    CaBundleSource s = new CaBundleSource();
    s.secretKeyRef = new SecretKeyRef(name, key);
    return s;
  }
}
