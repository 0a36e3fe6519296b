package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** spec.podTemplate.metadata: added to the operator's own labels and annotations, never replacing them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodTemplateMetadata extends UnknownFields {
  public Map<String, String> labels;
  public Map<String, String> annotations;
}
