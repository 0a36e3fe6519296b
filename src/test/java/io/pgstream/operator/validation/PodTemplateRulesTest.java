package io.pgstream.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PodTemplate;
import io.pgstream.operator.support.Pipelines;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** spec.podTemplate as a user writes it (YAML through the model): what is accepted and what is refused, by name. */
class PodTemplateRulesTest {
  static final String ACCEPTED =
      """
      metadata:
        labels: {team: payments, app.kubernetes.io/part-of: billing}
        annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/x", example.com/owner: "a b"}
      spec:
        nodeSelector: {pool: db-clients}
        tolerations: [{key: dedicated, operator: Equal, value: pgstream, effect: NoSchedule}]
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
        topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}]
        priorityClassName: pipelines
        serviceAccountName: pgstream-runner
        imagePullSecrets: [{name: mirror}]
        env:
          - {name: TZ, value: UTC}
          - {name: FROM_SECRET, valueFrom: {secretKeyRef: {name: extra, key: token}}}
        envFrom: [{prefix: APP_, configMapRef: {name: settings}}]
      """;

  @Test
  void everyAcceptedFieldPasses() {
    assertThat(PipelineValidator.validate(withTemplate(ACCEPTED))).isEmpty();
  }

  @Test
  void refusedFieldsSurviveTheRoundTripJosdkMakesBeforeEachReconcile() {
    PgstreamPipeline p = withTemplate("spec: {securityContext: {runAsUser: 0}, hostNetwork: true}");
    PgstreamPipeline copy = Serialization.clone(p);
    assertThat(PodTemplateRules.problems(copy.getSpec())).hasSize(2).isEqualTo(PodTemplateRules.problems(p.getSpec()));
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        refused("spec: {securityContext: {runAsUser: 0}}", "spec.podTemplate.spec.securityContext is refused: the operator owns the pod security context"),
        refused("spec: {containers: [{name: x, image: evil}]}", "spec.podTemplate.spec.containers is refused"),
        refused("spec: {initContainers: [{name: x, image: evil}]}", "spec.podTemplate.spec.initContainers is refused"),
        refused("spec: {ephemeralContainers: [{name: x}]}", "spec.podTemplate.spec.ephemeralContainers is refused"),
        refused("spec: {volumes: [{name: host, hostPath: {path: /}}]}", "spec.podTemplate.spec.volumes is refused"),
        refused("spec: {hostNetwork: true}", "spec.podTemplate.spec.hostNetwork is refused"),
        refused("spec: {hostPID: true}", "spec.podTemplate.spec.hostPID is refused"),
        refused("spec: {hostIPC: true}", "spec.podTemplate.spec.hostIPC is refused"),
        refused("spec: {automountServiceAccountToken: true}", "spec.podTemplate.spec.automountServiceAccountToken is refused"),
        refused("spec: {command: [sh]}", "spec.podTemplate.spec.command is refused"),
        refused("spec: {image: evil}", "spec.podTemplate.spec.image is refused: use spec.image"),
        refused("spec: {nodeName: n1}", "spec.podTemplate.spec.nodeName is not supported: a pipeline may set metadata.labels"),
        refused("spec: {nodeselector: {a: b}}", "spec.podTemplate.spec.nodeselector is not supported"),
        refused("containers: []", "spec.podTemplate.containers is not supported"),
        refused("metadata: {name: x}", "spec.podTemplate.metadata.name is not supported"),
        refused("metadata: {labels: {app.kubernetes.io/instance: other}}", "spec.podTemplate.metadata.labels[app.kubernetes.io/instance] is refused"),
        refused("metadata: {labels: {app.kubernetes.io/managed-by: me}}", "spec.podTemplate.metadata.labels[app.kubernetes.io/managed-by] is refused"),
        refused("metadata: {labels: {job-name: x}}", "spec.podTemplate.metadata.labels[job-name] is refused"),
        refused("metadata: {labels: {batch.kubernetes.io/job-name: x}}", "spec.podTemplate.metadata.labels[batch.kubernetes.io/job-name] is refused"),
        refused("metadata: {labels: {team: \"a b\"}}", "spec.podTemplate.metadata.labels[team] must be a Kubernetes label"),
        refused("metadata: {annotations: {pgstream.io/config-hash: x}}", "spec.podTemplate.metadata.annotations[pgstream.io/config-hash] is refused"),
        refused("metadata: {annotations: {\"a b\": x}}", "spec.podTemplate.metadata.annotations[a b] must be a Kubernetes annotation key"),
        refused("spec: {env: [{name: PGSTREAM_SOURCE_PASSWORD, value: x}]}", "spec.podTemplate.spec.env[0] (PGSTREAM_SOURCE_PASSWORD) is refused"),
        refused("spec: {env: [{name: A, value: x}, {name: PGSTREAM_POSTGRES_WRITER_TARGET_URL, value: x}]}", "spec.podTemplate.spec.env[1] (PGSTREAM_POSTGRES_WRITER_TARGET_URL) is refused"),
        refused("spec: {env: [{value: x}]}", "spec.podTemplate.spec.env[0].name is required"),
        refused("spec: {envFrom: [{configMapRef: {name: settings}}]}", "spec.podTemplate.spec.envFrom[0].prefix must be set and not start with PGSTREAM_"),
        refused("spec: {envFrom: [{prefix: PGSTREAM_, secretRef: {name: s}}]}", "spec.podTemplate.spec.envFrom[0].prefix must be set and not start with PGSTREAM_"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void aFieldTheOperatorOwnsIsRefusedByName(String template, String expected) {
    PgstreamPipeline p = withTemplate(template);
    List<String> problems = PipelineValidator.validate(p);
    assertThat(problems).singleElement().asString().startsWith(expected);
    assertThat(PodTemplateRules.soleReason(problems, p.getSpec())).contains(PodTemplateRules.REJECTED);
  }

  @Test
  void withOtherProblemsTheReasonIsInvalidSpec() {
    PgstreamPipeline p = withTemplate("spec: {hostPID: true}");
    p.getSpec().replicationSlot = "Bad";
    assertThat(PodTemplateRules.soleReason(PipelineValidator.validate(p), p.getSpec())).isEmpty();
  }

  private static Arguments refused(String template, String expected) {
    return Arguments.of(template, expected);
  }

  private static PgstreamPipeline withTemplate(String yaml) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("templated");
    p.getSpec().podTemplate = Serialization.unmarshal(yaml, PodTemplate.class);
    return p;
  }
}
