package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/**
 * spec.podTemplate: what a user adds to every pod the operator runs for the pipeline (the step Jobs'
 * and the streaming Deployment's). Only the fields declared here are accepted; any other (the
 * command, volumes, security context, ...) is refused by name (validation.PodTemplateRules).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodTemplate extends UnknownFields {
  @PreserveUnknownFields
  @JsonPropertyDescription("Labels and annotations added to the pods (not the operator's app.kubernetes.io/* labels or pgstream.io/* annotations).")
  public PodTemplateMetadata metadata;

  @PreserveUnknownFields
  @JsonPropertyDescription(
      "Scheduling, identity and extra environment of the pods. The operator owns the rest (command, image,"
          + " volumes, security context, containers): a template that sets them is refused with PodTemplateRejected.")
  public PodTemplatePodSpec spec;
}
