package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

/** A credential taken from a Secret; credentials are never accepted as plain spec text. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretValueSource {
  @Required public SecretKeyRef secretKeyRef;

  public SecretValueSource() {}

  public SecretValueSource(SecretKeyRef secretKeyRef) {
    this.secretKeyRef = secretKeyRef;
  }
}
