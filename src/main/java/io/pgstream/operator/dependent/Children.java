package io.pgstream.operator.dependent;

import io.pgstream.operator.api.PgstreamPipeline;
import java.util.List;
import java.util.Map;

/** Names and labels of the objects the operator creates for a pipeline. */
public final class Children {
  public static final String MANAGED_BY = "pgstream-operator";
  /** Informers only cache objects with this label, not every ConfigMap, Secret or Job in the cluster. */
  public static final String SELECTOR = "app.kubernetes.io/managed-by=" + MANAGED_BY;
  /** Names the pipeline an object (or a pod of it) belongs to. */
  public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
  /** The keys of {@link #labels}: they select the operator's objects and pods, so a pod template may not set them. */
  public static final List<String> LABEL_KEYS =
      List.of("app.kubernetes.io/name", INSTANCE_LABEL, "app.kubernetes.io/component", "app.kubernetes.io/managed-by");
  public static final String CONFIG_HASH_ANNOTATION = "pgstream.io/config-hash";
  /** A step Job's identity ({@link StepIdentity}): the inputs whose change means the step must run again. */
  public static final String STEP_HASH_ANNOTATION = "pgstream.io/step-hash";
  /** A step Job's template ({@link StepTemplate}): the inputs that only change how it runs. */
  public static final String TEMPLATE_HASH_ANNOTATION = "pgstream.io/template-hash";
  /** The spec.snapshot.nonce a snapshot Job runs for ("" for none). */
  public static final String NONCE_ANNOTATION = "pgstream.io/snapshot-nonce";
  /** On a step Job: the ConfigMap key its pods read ({@link Step#jobFile}). */
  public static final String CONFIG_FILE_ANNOTATION = "pgstream.io/config-file";
  /** On an init Job: the slot it creates and where ({@link SlotLocation}). */
  public static final String SLOT_ANNOTATION = "pgstream.io/slot";
  /** On an init Job: the slots status recorded when it was made, one {@link SlotLocation} per line. */
  public static final String SLOTS_RECORDED_ANNOTATION = "pgstream.io/slots-recorded";
  /** On the streaming pod template: a rotated Secret rolls the Deployment. */
  public static final String CREDENTIALS_VERSION_ANNOTATION = "pgstream.io/credentials-version";

  /**
   * Longest pipeline name: Job names (name + "-snapshot") must fit the 63-character label-value
   * limit of the job-name label, with room for the suffix of the pods they create.
   */
  public static final int MAX_PIPELINE_NAME = 47;

  private Children() {}

  public static String configMap(PgstreamPipeline p) {
    return p.getMetadata().getName() + "-pgstream-config";
  }

  public static String credentialsSecret(PgstreamPipeline p) {
    return p.getMetadata().getName() + "-pgstream-credentials";
  }

  public static String job(PgstreamPipeline p, Step step) {
    return p.getMetadata().getName() + "-" + step.suffix();
  }

  public static String deployment(PgstreamPipeline p) {
    return p.getMetadata().getName() + "-stream";
  }

  public static Map<String, String> labels(PgstreamPipeline p, String component) {
    return Map.of(
        LABEL_KEYS.get(0), "pgstream",
        LABEL_KEYS.get(1), p.getMetadata().getName(),
        LABEL_KEYS.get(2), component,
        LABEL_KEYS.get(3), MANAGED_BY);
  }
}
