package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.StreamingDeploymentDependent;
import io.pgstream.operator.support.FakeKubelet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A failed container's termination message (its log tail) reaches status and Events without row data
 * and credentials, whatever the kubelet or the operator cut off.
 */
@EnableKubernetesMockClient(crud = true)
class PodTerminationsTest {
  KubernetesClient client;

  @Test
  void psqlsRowDetailsInTheSnapshotsLogTailAreNotPassedOn() {
    // pgstream's snapshot pipes pg_dump into psql; psql's errors are plain lines, not pgstream's JSON.
    String tail =
        """
        psql:<stdin>:42: ERROR:  null value in column "plan" of relation "accounts" violates not-null constraint
        DETAIL:  Failing row contains (7, ann@example.com, first line
        of a note, null).
        psql:<stdin>:43: ERROR:  duplicate key value violates unique constraint "accounts_email"
        DETAIL:  Key (lower(email::text))=(bob@example.com) already exists.
        CONTEXT:  COPY accounts, line 3: "3	carol@example.com	"quoted" text"
        """;
    String described = PodTerminations.currentFailure(List.of(failedPod(tail))).orElseThrow().describe();
    assertThat(described)
        .startsWith("exit code 1: ")
        .contains("violates not-null constraint", "accounts_email")
        .doesNotContain("ann@example.com", "of a note", "bob@example.com", "carol@example.com", "quoted");
  }

  @Test
  void aRowValueInTheLineTheKubeletCutIsNotPassedOn() {
    // The kubelet keeps the last 2048 bytes of the log: here the cut falls inside the line that says "Key (email)=(".
    String cutLine = "mail)=(alice@example.com) already exists.";
    String after = "\npsql:<stdin>:44: ERROR:  current transaction is aborted".repeat(20);
    String filler = "\nNOTICE:  " + "z".repeat(PodTerminations.KUBELET_LOG_TAIL_BYTES - cutLine.length() - after.length() - 10);
    String log =
        "psql:<stdin>:43: ERROR:  duplicate key value violates unique constraint \"accounts_email\"\nDETAIL:  Key (email)=(alice@example.com) already exists."
            + filler
            + after;
    String message = FakeKubelet.terminationMessage(log);
    assertThat(message).as("the kubelet's cut").startsWith(cutLine);

    String described = PodTerminations.currentFailure(List.of(failedPod(message))).orElseThrow().describe();
    assertThat(described).contains("current transaction is aborted").doesNotContain("alice", "example.com");
  }

  @Test
  void aPasswordAtTheLengthLimitIsRedactedBeforeTheMessageIsCut() {
    // The review's probe: cutting first left "…cretPassw0rd!xyz" of a password, which then matched nothing.
    String password = "S3cretPassw0rd!xyz";
    String error = "Error: connecting failed: " + "a".repeat(990) + " password=" + password + " yyyy " + "b".repeat(200);
    PgstreamPipeline p = new PgstreamPipeline();
    p.setMetadata(new ObjectMetaBuilder().withName("cut").withNamespace("default").build());
    Pod pod = failedPod(error);
    pod.getMetadata().setLabels(Children.labels(p, StreamingDeploymentDependent.COMPONENT));
    pod.getMetadata().setNamespace("default");
    Pod created = client.pods().inNamespace("default").resource(pod).create();
    created.setStatus(pod.getStatus());
    client.pods().inNamespace("default").resource(created).updateStatus();

    String message = StreamHealth.problem(client, p, "slot_cut", List.of(password)).orElseThrow().message();
    assertThat(message).contains("password=****").doesNotContain("S3cr", "Passw", "0rd!");
  }

  private static Pod failedPod(String terminationMessage) {
    return new PodBuilder()
        .withNewMetadata().withName("p-snapshot-abc").withCreationTimestamp("2026-12-01T10:00:00Z").endMetadata()
        .withNewSpec().addNewContainer().withName("pgstream").withImage("pgstream").endContainer().endSpec()
        .withNewStatus()
        .addNewContainerStatus()
        .withName("pgstream")
        .withNewState().withNewTerminated().withExitCode(1).withReason("Error").withMessage(terminationMessage).endTerminated().endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }
}
