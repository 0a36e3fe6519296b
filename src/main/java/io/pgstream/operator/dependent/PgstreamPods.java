package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamVersion;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * The pod every pgstream command runs in: hardened, config from the ConfigMap, credentials from env,
 * with spec.podTemplate added ({@link PodTemplateMerge}).
 */
public final class PgstreamPods {
  /**
   * The project's runner image, not the stock ghcr.io/xataio/pgstream: stock pgstream 1.3.1 loses changes
   * when a streaming pod restarts under writes (images/pgstream-runner/patches).
   */
  public static final String DEFAULT_IMAGE = "ghcr.io/pgstream-operator/pgstream-runner:" + PgstreamVersion.SUPPORTED + "-pg17";
  public static final String CONFIG_DIR = PgstreamConfigRenderer.CONFIG_DIR;
  public static final String CONTAINER = "pgstream";
  /** The stock image is FROM scratch with no USER; 65532 is the conventional nonroot uid, the runner's USER. */
  static final long RUN_AS = 65532L;

  private PgstreamPods() {}

  /** The image entrypoint is pgstream, so args are the sub-command and its flags. */
  public static List<String> args(List<String> command, String configFile) {
    List<String> args = new ArrayList<>(command);
    args.add("-c");
    args.add(CONFIG_DIR + "/" + configFile);
    return args;
  }

  /**
   * @param sourceAsAdmin the source login variables carry the source admin's login (init and destroy
   *     with spec.prepare.source.initAsAdmin)
   */
  public static ContainerBuilder container(PgstreamPipeline p, String image, List<String> args, boolean sourceAsAdmin) {
    ContainerBuilder c = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        .withArgs(args)
        .withEnv(credentialEnv(p, sourceAsAdmin))
        .withResources(PodResources.of(p))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .addNewVolumeMount()
        .withName("config")
        .withMountPath(CONFIG_DIR)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .withSecurityContext(
            new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true)
                .withCapabilities(new Capabilities(null, List.of("ALL")))
                .build());
    PodTemplateMerge.container(p, c);
    return c;
  }

  /** The pod's labels and annotations: the operator's, and spec.podTemplate's beside them. */
  public static ObjectMeta podMetadata(PgstreamPipeline p, Map<String, String> labels, Map<String, String> annotations) {
    return PodTemplateMerge.metadata(p, labels, annotations);
  }

  public static PodSpec podSpec(PgstreamPipeline p, Container container, String restartPolicy) {
    PodSpecBuilder pod = new PodSpecBuilder()
        .withRestartPolicy(restartPolicy)
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(
            new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(RUN_AS)
                .withRunAsGroup(RUN_AS)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .build())
        .withContainers(container)
        .addNewVolume()
        .withName("config")
        .withNewConfigMap()
        .withName(Children.configMap(p))
        .endConfigMap()
        .endVolume()
        .addNewVolume()
        .withName("tmp")
        .withNewEmptyDir()
        .withSizeLimit(PodResources.TMP_SIZE_LIMIT)
        .endEmptyDir()
        .endVolume();
    PodTemplateMerge.pod(p, pod);
    return pod.build();
  }

  private static List<EnvVar> credentialEnv(PgstreamPipeline p, boolean sourceAsAdmin) {
    String secret = Children.credentialsSecret(p);
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put(CredentialEnv.SOURCE_USER, sourceAsAdmin ? CredentialEnv.SOURCE_ADMIN_USER : CredentialEnv.SOURCE_USER);
    keys.put(
        CredentialEnv.SOURCE_PASSWORD, sourceAsAdmin ? CredentialEnv.SOURCE_ADMIN_PASSWORD : CredentialEnv.SOURCE_PASSWORD);
    keys.put(CredentialEnv.TARGET_USER, CredentialEnv.TARGET_USER);
    keys.put(CredentialEnv.TARGET_PASSWORD, CredentialEnv.TARGET_PASSWORD);
    List<EnvVar> env = new ArrayList<>();
    keys.forEach(
        (name, key) ->
            env.add(
                new EnvVarBuilder()
                    .withName(name)
                    .withNewValueFrom()
                    .withNewSecretKeyRef()
                    .withName(secret)
                    .withKey(key)
                    .endSecretKeyRef()
                    .endValueFrom()
                    .build()));
    return env;
  }
}
