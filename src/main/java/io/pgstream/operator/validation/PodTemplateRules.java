package io.pgstream.operator.validation;

import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PodTemplate;
import io.pgstream.operator.api.PodTemplateMetadata;
import io.pgstream.operator.api.PodTemplatePodSpec;
import io.pgstream.operator.dependent.Children;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What spec.podTemplate may not do. Whoever may create a pipeline but not pods must not gain pod
 * powers through it, and the pods must keep what the operator relies on: its command, image, config
 * mount, security context, the labels that select the pods, and the environment pgstream reads.
 * Every refusal names the field and what to do instead.
 */
public final class PodTemplateRules {
  public static final String REJECTED = "PodTemplateRejected";
  private static final String ACCEPTED =
      "metadata.labels, metadata.annotations, spec.nodeSelector, spec.tolerations, spec.affinity,"
          + " spec.topologySpreadConstraints, spec.priorityClassName, spec.serviceAccountName, spec.imagePullSecrets,"
          + " spec.env, spec.envFrom";
  /** Pod fields users reach for that the operator owns, with why and what to use instead. */
  private static final Map<String, String> OWNED =
      Map.ofEntries(
          Map.entry("containers", "the operator runs one container, pgstream, with its own command and config mount"),
          Map.entry("initContainers", "the operator runs one container, pgstream, and no other"),
          Map.entry("ephemeralContainers", "the operator runs one container, pgstream, and no other"),
          Map.entry("volumes", "the operator owns the pods' volumes (the config and /tmp); pass settings with spec.env or spec.envFrom"),
          Map.entry("securityContext", "the operator owns the pod security context (uid 65532, non-root, RuntimeDefault seccomp)"),
          Map.entry("hostNetwork", "a pipeline's pods never share the node's namespaces"),
          Map.entry("hostPID", "a pipeline's pods never share the node's namespaces"),
          Map.entry("hostIPC", "a pipeline's pods never share the node's namespaces"),
          Map.entry("hostUsers", "a pipeline's pods never share the node's namespaces"),
          Map.entry("automountServiceAccountToken", "the pods never mount a service-account token"),
          Map.entry("serviceAccount", "use spec.podTemplate.spec.serviceAccountName"),
          Map.entry("image", "use spec.image"),
          Map.entry("command", "the operator runs pgstream with the step's command"),
          Map.entry("args", "the operator runs pgstream with the step's command"),
          Map.entry("resources", "use spec.resources"),
          Map.entry("restartPolicy", "the operator decides how each step is retried"),
          Map.entry("activeDeadlineSeconds", "use spec.timeouts"));
  /** Labels that select the pods: the operator's, and those the Job and Deployment controllers add. */
  private static final List<String> OWNED_LABELS =
      Stream.concat(Children.LABEL_KEYS.stream(), Stream.of("job-name", "controller-uid", "pod-template-hash")).toList();
  private static final String JOB_LABEL_PREFIX = "batch.kubernetes.io/";
  private static final String OWNED_ANNOTATION_PREFIX = "pgstream.io/";
  /** pgstream's settings and the credentials the operator passes (config.CredentialEnv). */
  private static final String OWNED_ENV_PREFIX = "PGSTREAM_";
  private static final Pattern KEY =
      Pattern.compile("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
  private static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$");

  private PodTemplateRules() {}

  /** Every refusal, each naming its field; empty when the template may be used (or there is none). */
  public static List<String> problems(PgstreamPipelineSpec spec) {
    List<String> problems = new ArrayList<>();
    PodTemplate t = spec.podTemplate;
    if (t == null) {
      return problems;
    }
    t.undeclared().keySet().forEach(k -> problems.add(unsupported("spec.podTemplate." + k, "a pod template has metadata and spec only")));
    if (t.metadata != null) {
      metadata(t.metadata, problems);
    }
    if (t.spec != null) {
      podSpec(t.spec, problems);
    }
    return problems;
  }

  /** {@link #REJECTED} when every problem of {@code all} is the pod template's. */
  public static Optional<String> soleReason(List<String> all, PgstreamPipelineSpec spec) {
    List<String> own = problems(spec);
    return !own.isEmpty() && all.equals(own) ? Optional.of(REJECTED) : Optional.empty();
  }

  private static void metadata(PodTemplateMetadata m, List<String> problems) {
    m.undeclared().keySet().forEach(
        k -> problems.add(unsupported("spec.podTemplate.metadata." + k, "only labels and annotations are added to the pods")));
    if (m.labels != null) {
      m.labels.forEach((k, v) -> {
        String path = "spec.podTemplate.metadata.labels[" + k + "]";
        if (OWNED_LABELS.contains(k) || k.startsWith(JOB_LABEL_PREFIX)) {
          problems.add(path + " is refused: the operator's and the Job and Deployment controllers' labels select the"
              + " pods; use another key");
        } else if (!KEY.matcher(k).matches() || v == null || !LABEL_VALUE.matcher(v).matches()) {
          problems.add(path + " must be a Kubernetes label: a [prefix/]name key and a value of at most 63 letters,"
              + " digits, '-', '_' or '.'");
        }
      });
    }
    if (m.annotations != null) {
      m.annotations.keySet().forEach(k -> {
        String path = "spec.podTemplate.metadata.annotations[" + k + "]";
        if (k.startsWith(OWNED_ANNOTATION_PREFIX)) {
          problems.add(path + " is refused: pgstream.io/ annotations are the operator's own; use another key");
        } else if (!KEY.matcher(k).matches()) {
          problems.add(path + " must be a Kubernetes annotation key: [prefix/]name");
        }
      });
    }
  }

  private static void podSpec(PodTemplatePodSpec s, List<String> problems) {
    s.undeclared().keySet().forEach(k -> {
      String why = OWNED.get(k);
      String path = "spec.podTemplate.spec." + k;
      problems.add(why == null ? unsupported(path, "a pipeline may set " + ACCEPTED) : path + " is refused: " + why + "; remove it from the template");
    });
    if (s.env != null) {
      for (int i = 0; i < s.env.size(); i++) {
        EnvVar e = s.env.get(i);
        String path = "spec.podTemplate.spec.env[" + i + "]";
        if (e == null || e.getName() == null || e.getName().isEmpty()) {
          problems.add(path + ".name is required");
        } else if (e.getName().startsWith(OWNED_ENV_PREFIX)) {
          problems.add(path + " (" + e.getName() + ") is refused: " + OWNED_ENV_PREFIX + "* variables are pgstream's"
              + " settings and the credentials the operator passes; use another name");
        }
      }
    }
    if (s.envFrom != null) {
      for (int i = 0; i < s.envFrom.size(); i++) {
        EnvFromSource e = s.envFrom.get(i);
        String prefix = e == null ? null : e.getPrefix();
        if (prefix == null || prefix.isEmpty() || prefix.startsWith(OWNED_ENV_PREFIX)) {
          problems.add("spec.podTemplate.spec.envFrom[" + i + "].prefix must be set and not start with " + OWNED_ENV_PREFIX
              + ": the operator cannot see the keys of a whole ConfigMap or Secret, and " + OWNED_ENV_PREFIX
              + "* variables are pgstream's settings and credentials; set a prefix such as APP_");
        }
      }
    }
  }

  private static String unsupported(String path, String what) {
    return path + " is not supported: " + what + "; remove it from the template";
  }
}
