package io.pgstream.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.support.CapturedLogs;
import io.pgstream.operator.support.Pipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * src/test/resources/bad-input: invalid and hostile pipelines, each with the answer it must get. The
 * CRD's OpenAPI schema (as the API server applies it; CEL rules aside) rejects the "schema" ones;
 * the operator answers the others with a specific condition, without crashing, looping or leaking.
 */
@EnableKubernetesMockClient(crud = true)
class BadInputCorpusTest {
  static final Path CORPUS = Path.of("src/test/resources/bad-input");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final String ODD_PASSWORD = "p@ss'w\"ord\n%41%\u00e9\u2603\t;--";

  static final ResourceDefinitionContext PIPELINES =
      new ResourceDefinitionContext.Builder()
          .withGroup("pgstream.io")
          .withVersion("v1alpha1")
          .withKind("PgstreamPipeline")
          .withPlural("pgstreampipelines")
          .withNamespaced(true)
          .build();

  KubernetesMockServer server;
  KubernetesClient client;
  Operator operator;

  record Case(String file, String expect, List<JsonNode> docs) {
    JsonNode pipeline() {
      return docs.get(docs.size() - 1);
    }

    @Override
    public String toString() {
      return file;
    }
  }

  static Stream<Case> cases() throws IOException {
    List<Case> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(CORPUS)) {
      for (Path f : files.sorted().toList()) {
        String text = Files.readString(f);
        String expect = text.lines().findFirst().orElseThrow().replace("# expect: ", "");
        List<JsonNode> docs = YAML.readValues(YAML.getFactory().createParser(text), JsonNode.class).readAll();
        out.add(new Case(f.getFileName().toString(), expect, docs));
      }
    }
    return out.stream();
  }

  static JsonSchema crdSchema() throws IOException {
    JsonNode crd = YAML.readTree(Path.of("crds/pgstreampipelines.pgstream.io-v1.yml").toFile());
    JsonNode schema = crd.at("/spec/versions/0/schema/openAPIV3Schema");
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
  }

  @Test
  void theCorpusHasAtLeastFortyDocuments() throws IOException {
    assertThat(cases().count()).isGreaterThanOrEqualTo(40);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theSchemaRejectsExactlyTheSchemaCases(Case c) throws IOException {
    Set<ValidationMessage> errors = crdSchema().validate(c.pipeline());
    if (c.expect().equals("schema")) {
      assertThat(errors).as("rejected by the CRD schema").isNotEmpty();
    } else {
      assertThat(errors).as("accepted by the CRD schema").isEmpty();
    }
  }

  @BeforeEach
  void start() {
    operator = PgstreamOperator.create(client, OperatorSettings.forMockServer().withRunnerImages(Pipelines.RUNNERS));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theOperatorAnswersTheRestWithASpecificConditionOnceAndLeaksNothing(Case c) throws Exception {
    if (c.expect().equals("schema")) {
      return; // never reaches the operator on a real API server; see hostileObjectsDoNotStopTheOperator
    }
    String reason = c.expect().replace("condition ", "");
    for (JsonNode doc : c.docs().subList(0, c.docs().size() - 1)) {
      client.resource(Serialization.unmarshal(doc.toString(), Secret.class)).create();
    }
    PgstreamPipeline p = Serialization.unmarshal(c.pipeline().toString(), PgstreamPipeline.class);
    client.resource(p).create();
    String name = p.getMetadata().getName();
    await().atMost(Duration.ofSeconds(30)).until(() -> reason.equals(readyReason(name)));
    // The answering reconcile's Events follow its status write; on a loaded machine they can trail it by a moment.
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
    drain();
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    long writes = drain().stream().filter(r -> !r.getMethod().equals("GET")).count();
    assertThat(writes).as("no hot loop: writes in the 2 s after the answer").isLessThanOrEqualTo(1);
    assertThat(client.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();

    List<String> exposed = new ArrayList<>(CapturedLogs.lines());
    exposed.add(Serialization.asJson(client.resources(PgstreamPipeline.class).inNamespace("default").withName(name).get()));
    client.v1().events().inAnyNamespace().list().getItems().forEach(e -> exposed.add(e.getMessage()));
    assertThat(exposed).noneMatch(t -> t.contains(ODD_PASSWORD) || t.contains("w\"ord"));
  }

  /** Objects a real API server would refuse, stored anyway: the operator goes on with good pipelines. */
  @Test
  void hostileObjectsDoNotStopTheOperator() throws Exception {
    for (Case c : cases().filter(c -> c.expect().equals("schema")).toList()) {
      GenericKubernetesResource raw = Serialization.unmarshal(c.pipeline().toString(), GenericKubernetesResource.class);
      raw.getMetadata().setName(c.file().replace(".yaml", "").toLowerCase());
      client.genericKubernetesResources(PIPELINES).inNamespace("default").resource(raw).create();
    }
    PgstreamPipeline good = Pipelines.snapshotAndReplication("good");
    good.getSpec().preflight = io.pgstream.operator.api.PreflightPolicy.Skip;
    Pipelines.secretsFor("good").forEach(s -> client.resource(s).create());
    client.resource(good).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace("default").withName("good-init").get() != null);
    assertThat(operator.getRuntimeInfo().allEventSourcesAreHealthy()).isTrue();
    // Each hostile object got an answer of its own; those the model cannot even read say so.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client.resources(PgstreamPipeline.class).inNamespace("default").list().getItems().stream()
                    .filter(p -> !p.getMetadata().getName().equals("good"))
                    .allMatch(p -> readyReason(p.getMetadata().getName()) != null));
    assertThat(readyReason("01-mode-unknown")).isEqualTo("InvalidSpec");
    assertThat(
            client.resources(PgstreamPipeline.class).inNamespace("default").withName("07-port-string").get().getStatus().conditions.stream()
                .filter(c -> c.getType().equals("Ready"))
                .findFirst()
                .orElseThrow()
                .getMessage())
        .contains("spec does not match the PgstreamPipeline schema");
  }

  private String readyReason(String name) {
    PgstreamPipeline p = client.resources(PgstreamPipeline.class).inNamespace("default").withName(name).get();
    if (p == null || p.getStatus() == null) {
      return null;
    }
    return p.getStatus().conditions.stream().filter(c -> c.getType().equals("Ready")).map(c -> c.getReason()).findFirst().orElse(null);
  }

  private List<RecordedRequest> drain() throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
      out.add(r);
    }
    return out;
  }
}
