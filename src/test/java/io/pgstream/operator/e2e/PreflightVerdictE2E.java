package io.pgstream.operator.e2e;

import io.pgstream.operator.preflight.SlotClaim;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Finding;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.preflight.PreflightReport;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import org.junit.jupiter.api.Test;

/**
 * The preflight's verdict against what pgstream itself does with the same pipeline: where the
 * preflight rejects a pipeline, {@code pgstream init} with the operator's rendered config really fails,
 * for the reason the finding names: event triggers at init, logical decoding at init, and
 * session_replication_role when the snapshot writes with triggers disabled. (The accepted side, a pipeline that passes and then really works,
 * is RealClusterE2E.)
 */
class PreflightVerdictE2E {
  static final String PASSWORD = "verdict-pw-1";
  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());

  @Test
  void anInitLoginThatMayNotCreateEventTriggersIsRejectedAndPgstreamInitFails() {
    // On RDS a non-master login, even with rds_replication, cannot create event triggers.
    source.login("verdict_src", PASSWORD, "REPLICATION");
    source.execute("postgres", "GRANT rds_replication TO verdict_src");
    source.database("verdict_a", "verdict_src", "CREATE TABLE public.t (id int PRIMARY KEY)");
    target.login("verdict_tgt", PASSWORD, "");
    target.database("verdict_a_target", "verdict_tgt");

    PgstreamPipeline p = Pipelines.onServers("verdict-a", source, "verdict_a", target, "verdict_a_target");
    assertRejectedAndPgstreamFails(
        p, logins("verdict_src", "verdict_tgt"), "CannotCreateEventTrigger", Step.INIT, "permission denied to create event trigger");
  }

  @Test
  void aSourceWithoutLogicalDecodingIsRejectedAndPgstreamInitFails() {
    // The target server runs with wal_level=replica: as a source, it cannot decode.
    target.login("verdict_super", PASSWORD, "SUPERUSER");
    target.database("verdict_b", "verdict_super", "CREATE TABLE public.t (id int PRIMARY KEY)");
    target.database("verdict_b_target", "verdict_super");

    PgstreamPipeline p = Pipelines.onServers("verdict-b", target, "verdict_b", target, "verdict_b_target");
    assertRejectedAndPgstreamFails(p, logins("verdict_super", "verdict_super"), "WalLevelNotLogical", Step.INIT, "wal_level >= logical");
  }

  @Test
  void aSourceThatDoesNotAllowWal2jsonIsRejectedAndPgstreamInitFails() {
    // PostgreSQL minors from November 2026 load only the output plugins output_plugin_libraries lists.
    assumeTrue(
        source.query("postgres", "SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'") == 1,
        "this PostgreSQL minor predates output_plugin_libraries");
    source.login("verdict_d_src", PASSWORD, "SUPERUSER");
    source.database("verdict_d", "verdict_d_src", "CREATE TABLE public.t (id int PRIMARY KEY)");
    source.execute("postgres", "ALTER DATABASE verdict_d SET output_plugin_libraries = 'pgoutput', 'test_decoding'");
    target.login("verdict_d_tgt", PASSWORD, "");
    target.database("verdict_d_target", "verdict_d_tgt");

    PgstreamPipeline p = Pipelines.onServers("verdict-d", source, "verdict_d", target, "verdict_d_target");
    assertRejectedAndPgstreamFails(
        p, logins("verdict_d_src", "verdict_d_tgt"), "Wal2jsonNotAllowed", Step.INIT, "may not be used as an output plugin");
  }

  @Test
  void disableTriggersForATargetLoginThatMayNotSetSessionReplicationRoleIsRejectedAndTheSnapshotFails() {
    source.login("verdict_c_src", PASSWORD, "SUPERUSER");
    source.database("verdict_c", "verdict_c_src", "CREATE TABLE public.t (id int PRIMARY KEY)", "INSERT INTO public.t VALUES (1)");
    target.login("verdict_c_tgt", PASSWORD, "");
    target.database("verdict_c_target", "verdict_c_tgt");

    PgstreamPipeline p = Pipelines.onServers("verdict-c", source, "verdict_c", target, "verdict_c_target");
    p.getSpec().target.disableTriggers = true;
    assertRejectedAndPgstreamFails(
        p,
        logins("verdict_c_src", "verdict_c_tgt"),
        "CannotSetSessionReplicationRole",
        Step.SNAPSHOT,
        "permission denied to set parameter",
        "session_replication_role");
  }

  /**
   * The preflight reports {@code code}, and the pgstream step, run with the config the operator renders
   * for the pipeline as the step's Job runs it, exits non-zero with {@code errors} in its output.
   */
  private void assertRejectedAndPgstreamFails(PgstreamPipeline p, ResolvedCredentials logins, String code, Step step, String... errors) {
    PreflightReport report = new Preflight(DatabaseConnector.defaults()).run(p.getSpec(), ReplicationSlots.slotFor(p), logins, SlotClaim.NONE);
    assertThat(report.findings().stream().map(Finding::code)).contains(code);

    PgstreamRunner.Started run =
        pgstream.start(
            PgstreamPods.args(step.command(), step.configFile()),
            new PgstreamConfigRenderer().render(p).files(),
            PgstreamRunner.env(logins));
    assertThat(run.waitFor()).as(run.output()).isNotZero();
    assertThat(run.output()).contains(errors);
  }

  private static ResolvedCredentials logins(String sourceUser, String targetUser) {
    return new ResolvedCredentials(sourceUser, PASSWORD, targetUser, PASSWORD);
  }
}
