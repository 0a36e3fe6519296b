package io.pgstream.operator.dependent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PodTemplate;
import io.pgstream.operator.api.PodTemplatePodSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds spec.podTemplate to a pod the operator built. Only the template's declared fields are read, and
 * only after validation.PodTemplateRules accepted it, so nothing the operator owns is replaced: labels
 * and annotations are added beside the operator's (its own win), env comes after the operator's, the
 * scheduling and identity fields fill fields the operator leaves empty.
 */
final class PodTemplateMerge {
  /** Sorted keys, so the order a user wrote things in changes no hash. */
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private PodTemplateMerge() {}

  /** The template as canonical JSON ("" for none): what {@link StepTemplate} hashes. */
  static String canonical(PgstreamPipeline p) {
    PodTemplate t = p.getSpec().podTemplate;
    if (t == null) {
      return "";
    }
    try {
      return CANONICAL.writeValueAsString(t);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("spec.podTemplate cannot be written as JSON", e);
    }
  }

  static ObjectMeta metadata(PgstreamPipeline p, Map<String, String> labels, Map<String, String> annotations) {
    PodTemplate t = p.getSpec().podTemplate;
    Map<String, String> allLabels = new LinkedHashMap<>();
    Map<String, String> allAnnotations = new LinkedHashMap<>();
    if (t != null && t.metadata != null) {
      if (t.metadata.labels != null) {
        allLabels.putAll(t.metadata.labels);
      }
      if (t.metadata.annotations != null) {
        allAnnotations.putAll(t.metadata.annotations);
      }
    }
    allLabels.putAll(labels);
    allAnnotations.putAll(annotations);
    return new ObjectMetaBuilder().withLabels(allLabels).withAnnotations(allAnnotations).build();
  }

  static void container(PgstreamPipeline p, ContainerBuilder c) {
    PodTemplatePodSpec s = spec(p);
    if (s == null) {
      return;
    }
    if (s.env != null) {
      c.addAllToEnv(s.env);
    }
    if (s.envFrom != null) {
      c.withEnvFrom(s.envFrom);
    }
  }

  static void pod(PgstreamPipeline p, PodSpecBuilder b) {
    PodTemplatePodSpec s = spec(p);
    if (s == null) {
      return;
    }
    b.withNodeSelector(s.nodeSelector)
        .withTolerations(s.tolerations)
        .withAffinity(s.affinity)
        .withTopologySpreadConstraints(s.topologySpreadConstraints)
        .withPriorityClassName(s.priorityClassName)
        .withServiceAccountName(s.serviceAccountName)
        .withImagePullSecrets(s.imagePullSecrets);
  }

  private static PodTemplatePodSpec spec(PgstreamPipeline p) {
    return p.getSpec().podTemplate == null ? null : p.getSpec().podTemplate.spec;
  }
}
