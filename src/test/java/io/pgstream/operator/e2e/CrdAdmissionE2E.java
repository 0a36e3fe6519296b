package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input corpus (src/test/resources/bad-input) against the real API server with the generated
 * CRD installed: the documents marked "schema" are refused by its OpenAPI validation, those marked
 * "CEL rule" by the CRD's CEL rules with the rule's message, and every other one is admitted (the
 * operator answers it with a condition, as BadInputCorpusTest proves). Server-side dry runs: nothing is
 * stored.
 */
class CrdAdmissionE2E {
  static final Path CORPUS = Path.of("src/test/resources/bad-input");
  static final Path CRD = Path.of("crds/pgstreampipelines.pgstream.io-v1.yml");

  @BeforeAll
  static void installTheCrd() {
    Peers.kubectlOk("apply", "--server-side", "-f", CRD.toString());
    Peers.kubectlOk("wait", "--for=condition=Established", "--timeout=60s", "crd/pgstreampipelines.pgstream.io");
  }

  static Stream<Path> corpus() throws IOException {
    try (Stream<Path> files = Files.list(CORPUS)) {
      return files.sorted().toList().stream();
    }
  }

  static List<String> celMessages() throws IOException {
    List<String> messages = new ArrayList<>();
    new ObjectMapper(new YAMLFactory())
        .readTree(CRD.toFile())
        .findValues("x-kubernetes-validations")
        .forEach(rules -> rules.forEach(rule -> messages.add(rule.get("message").asText())));
    return messages;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void theApiServerAnswersAsTheCorpusSays(Path file) throws IOException {
    List<String> header = Files.readAllLines(file).stream().takeWhile(l -> l.startsWith("#")).toList();
    boolean schema = header.get(0).equals("# expect: schema");
    boolean cel = header.stream().anyMatch(l -> l.contains("CEL rule"));
    Peers.Result r = Peers.kubectl("apply", "--dry-run=server", "-f", file.toString());
    if (schema || cel) {
      assertThat(r.exitCode()).as("refused:\n%s", r.output()).isNotZero();
      // kubectl asks for strict field validation, so an unknown field is refused before the schema.
      assertThat(r.output()).containsAnyOf("is invalid", "strict decoding error: unknown field");
    } else {
      assertThat(r.exitCode()).as("admitted:\n%s", r.output()).isZero();
    }
    if (cel) {
      List<String> messages = celMessages();
      assertThat(messages).as("the CEL rule's own message in:\n%s", r.output()).anyMatch(m -> r.output().contains(m));
    }
  }

  /** What the operator refuses by name must reach it: the API server keeps, not prunes, a pod template's owned fields. */
  @Test
  void aPodTemplatesOwnedFieldsAreKeptForTheOperatorToRefuse() {
    // The file holds a Secret and the pipeline: kubectl prints them as a List.
    Peers.Result r =
        Peers.kubectl("apply", "--dry-run=server", "-o", "jsonpath={.items[1].spec.podTemplate.spec.securityContext.runAsUser} {.items[1].spec.podTemplate.spec.hostNetwork}",
            "-f", CORPUS.resolve("74-pod-template-owned-fields.yaml").toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("0 true");
  }
}
