package io.pgstream.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.TenancyGuards;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.aws.AwsPowers.Power;
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
            "--runner-image=17=runner:pg17@sha256:" + "ab".repeat(32),
            "--namespace=team-a",
            "--namespace=team-b",
            "--default-ca-bundle=/etc/pgstream-operator/ca/ca.crt",
            "--pgstream-image=" + PgstreamPods.DEFAULT_IMAGE);
    assertThat(run.pgstreamImage).isEqualTo(PgstreamPods.DEFAULT_IMAGE);
    assertThat(run.runnerImages).isEqualTo(Map.of(16, "runner:pg16", 17, "runner:pg17@sha256:" + "ab".repeat(32)));
    assertThat(run.namespaces).containsExactly("team-a", "team-b");
    assertThat(run.leaderElectionNamespace).isEqualTo("pgstream-system");
    assertThat(run.slotCheckSeconds).isEqualTo(60);
    assertThat(run.defaultCaBundle).isEqualTo(java.nio.file.Path.of("/etc/pgstream-operator/ca/ca.crt"));
  }

  @Test
  void tenancyGuardsParseAsTheChartPassesThem() {
    RunCommand run = new RunCommand();
    CommandLine line = new CommandLine(run);
    line.parseArgs(
        "--require-secret-reference-label",
        "--allowed-database-hosts=*.rds.amazonaws.com,10.0.0.0/8,db.internal",
        "--allowed-image-prefixes=registry.example.com/pgstream/");
    run.spec = line.getCommandSpec();

    TenancyGuards guards = run.guards();
    assertThat(guards.requireSecretReferenceLabel()).isTrue();
    assertThat(guards.allowedHosts()).hasToString("*.rds.amazonaws.com, 10.0.0.0/8, db.internal");
    assertThat(guards.allowedImages()).hasToString("registry.example.com/pgstream/");

    RunCommand defaults = new RunCommand();
    new CommandLine(defaults).parseArgs();
    assertThat(defaults.guards().requireSecretReferenceLabel()).isFalse();
    assertThat(defaults.guards().allowedHosts().allowsAny()).isTrue();
    assertThat(defaults.guards().allowedImages()).hasToString("any image");
  }

  @Test
  void aMalformedHostEntryIsAUsageError() {
    RunCommand run = new RunCommand();
    CommandLine line = new CommandLine(run);
    line.parseArgs("--allowed-database-hosts=10.0.0.0/40");
    run.spec = line.getCommandSpec();
    assertThatThrownBy(run::guards)
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("'10.0.0.0/40' has an invalid prefix length");
  }

  @Test
  void awsPowersAreOffUnlessGrantedToANamespace() {
    RunCommand none = new RunCommand();
    new CommandLine(none).parseArgs("--http-port=8080");
    for (Power power : Power.values()) {
      assertThat(none.awsPowers().allows(power, "team-a")).as(power.flag()).isFalse();
    }

    RunCommand run = new RunCommand();
    new CommandLine(run)
        .parseArgs(
            "--allow-rds-master-secret=team-a,team-b",
            "--allow-rds-iam-admin=",
            "--allow-rds-parameter-group-changes=team-c",
            "--allow-rds-reboot=*");
    AwsPowers powers = run.awsPowers();
    assertThat(powers.allows(Power.MASTER_USER_SECRET, "team-b")).isTrue();
    assertThat(powers.allows(Power.MASTER_USER_SECRET, "team-c")).isFalse();
    assertThat(powers.allows(Power.IAM_ADMIN, "")).as("an empty list is off").isFalse();
    assertThat(powers.allows(Power.PARAMETER_GROUP_CHANGES, "team-a")).isFalse();
    assertThat(powers.allows(Power.REBOOT, "any-namespace")).isTrue();
  }
}
