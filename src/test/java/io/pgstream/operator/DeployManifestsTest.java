package io.pgstream.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * deploy/ (rendered from the chart by `make deploy`; `make chart-check` proves it is current) parsed
 * with the Fabric8 model, as kubectl would read it.
 */
class DeployManifestsTest {
  static List<HasMetadata> manifests() throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("deploy/pgstream-operator.yaml"))) {
      return Serialization.unmarshal(in);
    }
  }

  @Test
  void holdsEverythingAnInstallNeeds() throws IOException {
    assertThat(manifests().stream().map(HasMetadata::getKind))
        .containsExactlyInAnyOrder(
            "Namespace",
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Deployment",
            "Service");
  }

  @Test
  void theCrdIsTheGeneratedOne() throws IOException {
    CustomResourceDefinition shipped =
        manifests().stream().filter(CustomResourceDefinition.class::isInstance).map(CustomResourceDefinition.class::cast).findFirst().orElseThrow();
    CustomResourceDefinition generated =
        Serialization.unmarshal(Files.readString(Path.of("crds/pgstreampipelines.pgstream.io-v1.yml")), CustomResourceDefinition.class);
    assertThat(shipped).isEqualTo(generated);
  }

  @Test
  void theOperatorPodIsHardenedProbedAndElectsALeader() throws IOException {
    Deployment d = manifests().stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
    var pod = d.getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getArgs())
        .contains("run", "--leader-election-namespace=pgstream-system", "--http-port=8080")
        .contains("--runner-image=17=ghcr.io/pgstream-operator/pgstream-runner:1.3.1-pg17");
    assertThat(pod.getServiceAccountName()).isEqualTo("pgstream-operator");
  }
}
