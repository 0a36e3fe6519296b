package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.source.informer.ManagedInformerEventSource;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PreflightPolicy;
import io.pgstream.operator.credentials.ReferableSecrets;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestOperators;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The informer caches hold no managedFields but the Deployment's Apply entry that server-side apply
 * matching reads, and no Job's pod template.
 */
@EnableKubernetesMockClient(crud = true)
class CachePruningTest {
  static final String NAME = "pruned";
  static final String FIELD_MANAGER = PgstreamPipelineReconciler.NAME;

  KubernetesClient client;

  @Test
  void theInformerCachesHoldNoManagedFields() {
    List<Secret> logins = Pipelines.secretsFor(NAME);
    logins.forEach(s -> s.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true")));
    logins.forEach(s -> client.resource(withManagedFields(s)).create());
    PgstreamPipeline p = Pipelines.snapshotAndReplication(NAME);
    p.getSpec().preflight = PreflightPolicy.Skip;
    client.resource(withManagedFields(p)).create();
    Operator operator = TestOperators.started(client);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> job(p) != null);
      // The mock server does not track managedFields: the test writes some into each object, as an API server would.
      client.resource(p).edit(CachePruningTest::withManagedFields);
      client.configMaps().inNamespace(Pipelines.NAMESPACE).withName(Children.configMap(p)).edit(CachePruningTest::withManagedFields);
      client.secrets().inNamespace(Pipelines.NAMESPACE).withName(Children.credentialsSecret(p)).edit(CachePruningTest::withManagedFields);
      client.batch().v1().jobs().inNamespace(Pipelines.NAMESPACE).withName(Children.job(p, Step.INIT)).edit(CachePruningTest::withManagedFields);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        List<HasMetadata> cached = cached(operator);
        assertThat(cached).extracting(HasMetadata::getKind).contains("PgstreamPipeline", "ConfigMap", "Secret", "Job");
        assertThat(cached).allSatisfy(r -> assertThat(r.getMetadata().getResourceVersion()).isEqualTo(onServer(r)));
        assertThat(cached)
            .allSatisfy(r -> assertThat(r.getMetadata().getManagedFields()).as("%s %s", r.getKind(), r.getMetadata().getName()).isNull());
        assertThat(cached).filteredOn(Job.class::isInstance).allSatisfy(j -> assertThat(((Job) j).getSpec().getTemplate()).isNull());
      });
    } finally {
      operator.stop();
    }
  }

  @Test
  void theDeploymentKeepsOnlyTheOperatorsApplyEntry() {
    ManagedFieldsEntry own = entry(FIELD_MANAGER, "Apply", null);
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("d")
            .withManagedFields(
                entry("kubectl", "Apply", null), own, entry("kube-controller-manager", "Update", "status"), entry(FIELD_MANAGER, "Update", null))
            .endMetadata()
            .build();
    CachePruning.pruning(Deployment.class, FIELD_MANAGER).apply(d);
    assertThat(d.getMetadata().getManagedFields()).containsExactly(own);
  }

  private Job job(PgstreamPipeline p) {
    return client.batch().v1().jobs().inNamespace(Pipelines.NAMESPACE).withName(Children.job(p, Step.INIT)).get();
  }

  private String onServer(HasMetadata cached) {
    return client.resource(cached).get().getMetadata().getResourceVersion();
  }

  /** Every object in the operator's informer caches, the pipelines' included. */
  @SuppressWarnings("unchecked")
  private static List<HasMetadata> cached(Operator operator) {
    Controller<PgstreamPipeline> controller =
        (Controller<PgstreamPipeline>) operator.getRegisteredController(PgstreamPipelineReconciler.NAME).orElseThrow();
    List<HasMetadata> all = new ArrayList<>();
    controller.getEventSourceManager().allEventSources().stream()
        .filter(ManagedInformerEventSource.class::isInstance)
        .map(ManagedInformerEventSource.class::cast)
        .forEach(source -> source.list(r -> true).forEach(r -> all.add((HasMetadata) r)));
    return all;
  }

  private static <R extends HasMetadata> R withManagedFields(R r) {
    r.getMetadata().setManagedFields(List.of(entry("kubectl", "Update", null), entry(FIELD_MANAGER, "Apply", null)));
    return r;
  }

  private static ManagedFieldsEntry entry(String manager, String operation, String subresource) {
    FieldsV1 fields = new FieldsV1();
    fields.setAdditionalProperty("f:metadata", Map.of("f:labels", Map.of()));
    return new ManagedFieldsEntryBuilder()
        .withManager(manager)
        .withOperation(operation)
        .withSubresource(subresource)
        .withFieldsType("FieldsV1")
        .withFieldsV1(fields)
        .build();
  }
}
