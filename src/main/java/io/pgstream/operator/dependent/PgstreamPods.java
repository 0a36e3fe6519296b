package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.CredentialEnv;
import java.util.ArrayList;
import java.util.List;

/** The pod every pgstream command runs in: hardened, config from the ConfigMap, credentials from env. */
public final class PgstreamPods {
  public static final String DEFAULT_IMAGE = "ghcr.io/xataio/pgstream:1.4.1";
  public static final String CONFIG_DIR = "/etc/pgstream";
  public static final String CONTAINER = "pgstream";
  /** The stock image is FROM scratch with no USER; 65532 is the conventional nonroot uid. */
  static final long RUN_AS = 65532L;

  private PgstreamPods() {}

  public static String image(PgstreamPipeline p) {
    String image = p.getSpec().image;
    return image == null || image.isBlank() ? DEFAULT_IMAGE : image;
  }

  /** The image entrypoint is pgstream, so args are the sub-command and its flags. */
  public static List<String> args(List<String> command, String configFile) {
    List<String> args = new ArrayList<>(command);
    args.add("-c");
    args.add(CONFIG_DIR + "/" + configFile);
    return args;
  }

  public static ContainerBuilder container(PgstreamPipeline p, List<String> args) {
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image(p))
        .withArgs(args)
        .withEnv(credentialEnv(p))
        .withResources(p.getSpec().resources)
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
  }

  public static PodSpec podSpec(PgstreamPipeline p, Container container, String restartPolicy) {
    return new PodSpecBuilder()
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
        .endEmptyDir()
        .endVolume()
        .build();
  }

  private static List<EnvVar> credentialEnv(PgstreamPipeline p) {
    String secret = Children.credentialsSecret(p);
    List<EnvVar> env = new ArrayList<>();
    for (String name :
        List.of(
            CredentialEnv.SOURCE_USER,
            CredentialEnv.SOURCE_PASSWORD,
            CredentialEnv.TARGET_USER,
            CredentialEnv.TARGET_PASSWORD)) {
      env.add(
          new EnvVarBuilder()
              .withName(name)
              .withNewValueFrom()
              .withNewSecretKeyRef()
              .withName(secret)
              .withKey(name)
              .endSecretKeyRef()
              .endValueFrom()
              .build());
    }
    return env;
  }
}
