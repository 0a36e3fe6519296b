package io.pgstream.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A failed container's termination message (its log tail) reaches status and Events without row data. */
class PodTerminationsTest {
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
    Pod pod =
        new PodBuilder()
            .withNewMetadata().withName("p-snapshot-abc").withCreationTimestamp("2026-12-01T10:00:00Z").endMetadata()
            .withNewStatus()
            .addNewContainerStatus()
            .withName("pgstream")
            .withNewState().withNewTerminated().withExitCode(1).withReason("Error").withMessage(tail).endTerminated().endState()
            .endContainerStatus()
            .endStatus()
            .build();
    String described = PodTerminations.currentFailure(List.of(pod)).orElseThrow().describe();
    assertThat(described)
        .startsWith("exit code 1: ")
        .contains("violates not-null constraint", "accounts_email")
        .doesNotContain("ann@example.com", "of a note", "bob@example.com", "carol@example.com", "quoted");
  }
}
