package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.api.ConfigMapKeyRef;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.TransformationRulesSource;
import io.pgstream.operator.api.TransformationsSpec;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.Conditions;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.PipelineObjects;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestDatabases;
import io.pgstream.operator.support.TestOperators;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Transformation rules kept in a ConfigMap, through a pipeline's life (PhaseTable TRANSFORMATIONS): the
 * real operator against the mock API server, the preflight on the embedded PostgreSQL.
 */
@EnableKubernetesMockClient(crud = true)
class TransformationsLifecycleTest {
  static final String NAME = "masked";
  static final String RULES = "masking-rules";

  KubernetesClient client;
  FakeKubelet kubelet;
  Operator operator;

  @BeforeEach
  void start() {
    TestDatabases.ready();
    kubelet = new FakeKubelet(client);
    operator = TestOperators.started(client);
  }

  @AfterEach
  void stop() {
    operator.stop();
    TestDatabases.dropSlots();
  }

  @Test
  void aMissingRulesConfigMapHoldsThePipelineBeforeAnyJob() {
    Pipelines.secretsFor(NAME).forEach(s -> client.resource(s).create());
    objects().pipelines().resource(pipeline()).create();
    await().until(() -> "False/TransformationRulesNotFound".equals(Conditions.of(objects().pipeline(), "ConfigRendered")));
    assertThat(objects().pipeline().getStatus().phase).isEqualTo(Phase.Pending);
    assertThat(objects().job("init")).isNull();
    assertThat(Conditions.message(objects().pipeline(), "ConfigRendered"))
        .contains("ConfigMap " + NAMESPACE + "/" + RULES + " key rules.yaml (spec.transformations.rulesFrom)")
        .contains("does not exist");
    await().until(() -> eventReasons().contains("TransformationRulesNotFound"));
  }

  @Test
  void anEditWhileStreamingRollsTheStreamAndWarnsAndARemovedConfigMapKeepsTheLastRules() {
    rules("- table: orders\n  columns:\n    total: {transformer: greenmask_integer, parameters: {min_value: 1, max_value: 9}}\n");
    objects().driveToStreaming(pipeline(), ReplicationSlots.slotFor(pipeline()), kubelet);
    assertThat(config()).contains("name: greenmask_integer");
    String hash = podConfigHash();

    rules("- table: orders\n  columns:\n    total: {transformer: greenmask_integer, parameters: {min_value: 1, max_value: 99}}\n");
    touch(1);
    await().until(() -> !hash.equals(podConfigHash()));
    assertThat(config()).contains("max_value: 99");
    await().until(() -> eventReasons().contains(TransformationsChange.REASON));
    assertThat(events().stream().filter(e -> TransformationsChange.REASON.equals(e.getReason())).findFirst().orElseThrow().getMessage())
        .contains("rows already on the target keep the masking they were written with")
        .contains("spec.snapshot.nonce");
    objects().awaitStreaming(kubelet);

    client.configMaps().inNamespace(NAMESPACE).withName(RULES).delete();
    touch(2);
    await().until(() -> "False/TransformationRulesNotFound".equals(Conditions.of(objects().pipeline(), "ConfigRendered")));
    assertThat(config()).as("the pods' config keeps the last rules").contains("max_value: 99");
  }

  private PgstreamPipeline pipeline() {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().tables = List.of("public.orders");
    p.getSpec().transformations = new TransformationsSpec();
    p.getSpec().transformations.rulesFrom = new TransformationRulesSource(new ConfigMapKeyRef(RULES, "rules.yaml"));
    return p;
  }

  private void rules(String yaml) {
    ConfigMap map = new ConfigMapBuilder().withNewMetadata().withName(RULES).withNamespace(NAMESPACE).endMetadata().withData(Map.of("rules.yaml", yaml)).build();
    client.resource(map).createOr(existing -> existing.update());
  }

  /** A spec edit that changes no config: rules in a ConfigMap are read on the pipeline's next reconcile. */
  private void touch(long n) {
    objects().edit(p -> p.getSpec().maxRetainedWalBytes = 1_073_741_824L + n);
  }

  private String config() {
    return client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get("replication.yaml");
  }

  private String podConfigHash() {
    return objects().deployment().getSpec().getTemplate().getMetadata().getAnnotations().get("pgstream.io/config-hash");
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems();
  }

  private List<String> eventReasons() {
    return events().stream().map(Event::getReason).toList();
  }

  private PipelineObjects objects() {
    return new PipelineObjects(client, NAME);
  }
}
