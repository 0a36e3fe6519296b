package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Finding;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.preflight.PreflightReport;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.util.List;
import java.util.Map;
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

    PgstreamPipeline p = pipeline("verdict-a", source, "verdict_a", "verdict_a_target");
    assertThat(codes(preflight(p, "verdict_src"))).contains("CannotCreateEventTrigger");

    PgstreamRunner.Started init = run(p, "verdict_src", "init", PgstreamConfigRenderer.REPLICATION_FILE);
    assertThat(init.waitFor()).as(init.output()).isNotZero();
    assertThat(init.output()).contains("permission denied to create event trigger");
  }

  @Test
  void aSourceWithoutLogicalDecodingIsRejectedAndPgstreamInitFails() {
    // The target server runs with wal_level=replica: as a source, it cannot decode.
    target.login("verdict_super", PASSWORD, "SUPERUSER");
    target.database("verdict_b", "verdict_super", "CREATE TABLE public.t (id int PRIMARY KEY)");
    target.database("verdict_b_target", "verdict_super");

    PgstreamPipeline p = pipeline("verdict-b", target, "verdict_b", "verdict_b_target");
    p.getSpec().target.port = target.port();
    assertThat(codes(preflight(p, "verdict_super"))).contains("WalLevelNotLogical");

    PgstreamRunner.Started init = run(p, "verdict_super", "init", PgstreamConfigRenderer.REPLICATION_FILE);
    assertThat(init.waitFor()).as(init.output()).isNotZero();
    assertThat(init.output()).contains("wal_level >= logical");
  }

  @Test
  void disableTriggersForATargetLoginThatMayNotSetSessionReplicationRoleIsRejectedAndTheSnapshotFails() {
    source.login("verdict_c_src", PASSWORD, "SUPERUSER");
    source.database("verdict_c", "verdict_c_src", "CREATE TABLE public.t (id int PRIMARY KEY)", "INSERT INTO public.t VALUES (1)");
    target.login("verdict_c_tgt", PASSWORD, "");
    target.database("verdict_c_target", "verdict_c_tgt");

    PgstreamPipeline p = pipeline("verdict-c", source, "verdict_c", "verdict_c_target");
    p.getSpec().target.disableTriggers = true;
    assertThat(codes(preflight(p, "verdict_c_src"))).contains("CannotSetSessionReplicationRole");

    PgstreamRunner.Started snapshot = run(p, "verdict_c_src", "snapshot", PgstreamConfigRenderer.SNAPSHOT_FILE);
    assertThat(snapshot.waitFor()).as(snapshot.output()).isNotZero();
    assertThat(snapshot.output()).contains("permission denied to set parameter").contains("session_replication_role");
  }

  private PgstreamPipeline pipeline(String name, TestPostgres sourceServer, String sourceDb, String targetDb) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication(name);
    p.getSpec().source.host = "127.0.0.1";
    p.getSpec().source.port = sourceServer.port();
    p.getSpec().source.database = sourceDb;
    p.getSpec().source.sslMode = SslMode.DISABLE;
    p.getSpec().target.host = "127.0.0.1";
    p.getSpec().target.port = target.port();
    p.getSpec().target.database = targetDb;
    p.getSpec().target.sslMode = SslMode.DISABLE;
    return p;
  }

  private static PreflightReport preflight(PgstreamPipeline p, String sourceUser) {
    return new Preflight(DatabaseConnector.defaults())
        .run(p.getSpec(), ReplicationSlots.slotFor(p), credentials(sourceUser), false);
  }

  private static ResolvedCredentials credentials(String sourceUser) {
    String targetUser =
        switch (sourceUser) {
          case "verdict_super" -> sourceUser;
          case "verdict_c_src" -> "verdict_c_tgt";
          default -> "verdict_tgt";
        };
    return new ResolvedCredentials(sourceUser, PASSWORD, targetUser, PASSWORD);
  }

  private static List<String> codes(PreflightReport report) {
    return report.findings().stream().map(Finding::code).toList();
  }

  /** A pgstream step with the config the operator renders for the pipeline, as the step's Job runs it. */
  private PgstreamRunner.Started run(PgstreamPipeline p, String sourceUser, String command, String configFile) {
    RenderedConfig config = new PgstreamConfigRenderer().render(p);
    ResolvedCredentials c = credentials(sourceUser);
    return pgstream.start(
        PgstreamPods.args(List.of(command), configFile),
        config.files(),
        Map.of(
            CredentialEnv.SOURCE_USER, c.sourceUser(),
            CredentialEnv.SOURCE_PASSWORD, c.sourcePassword(),
            CredentialEnv.TARGET_USER, c.targetUser(),
            CredentialEnv.TARGET_PASSWORD, c.targetPassword()));
  }
}
