package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Where transformation rules kept outside the pipeline are. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TransformationRulesSource {
  @Required
  @JsonPropertyDescription(
      "A ConfigMap key in the pipeline's own namespace holding a YAML list of table rules, each as in"
          + " transformations.tables.")
  public ConfigMapKeyRef configMapKeyRef;

  public TransformationRulesSource() {}

  public TransformationRulesSource(ConfigMapKeyRef configMapKeyRef) {
    this.configMapKeyRef = configMapKeyRef;
  }
}
