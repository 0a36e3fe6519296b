package io.pgstream.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The options the chart passes to `run` parse as the chart means them. */
class RunCommandTest {
  @Test
  void chartArgumentsParse() {
    RunCommand run = new RunCommand();
    new CommandLine(run)
        .parseArgs(
            "--http-port=8080",
            "--slot-check-interval=60",
            "--log-format=text",
            "--leader-election-namespace=pgstream-system",
            "--runner-image=16=runner:pg16",
            "--runner-image=17=runner:pg17",
            "--namespace=team-a",
            "--namespace=team-b",
            "--default-ca-bundle=/etc/pgstream-operator/ca/ca.crt");
    assertThat(run.runnerImages).isEqualTo(Map.of(16, "runner:pg16", 17, "runner:pg17"));
    assertThat(run.namespaces).containsExactly("team-a", "team-b");
    assertThat(run.leaderElectionNamespace).isEqualTo("pgstream-system");
    assertThat(run.slotCheckSeconds).isEqualTo(60);
    assertThat(run.defaultCaBundle).isEqualTo(java.nio.file.Path.of("/etc/pgstream-operator/ca/ca.crt"));
  }
}
