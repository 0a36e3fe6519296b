package io.pgstream.operator.e2e;

import io.pgstream.operator.preflight.SlotClaim;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.RolesSnapshotMode;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.config.CredentialEnv;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The RolesNotRestorable verdict against pgstream 1.3.1's real roles snapshot (pg_dumpall --roles-only
 * filtered to the roles the schema dump names, replayed by psql as the target login), PostgreSQL 15
 * on both sides and a target login with CREATEROLE only.
 */
class RoleRestoreE2E {
  static final String PW = "roles-pw-1";
  static final List<String> ROLES = List.of("rs_repl", "rs_plain", "rs_group");
  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());

  @Test
  void theRolesSnapshotFailsForEveryRoleThePreflightNamesAndRestoresTheRolesItPredicts() {
    source.execute("postgres", "DROP DATABASE IF EXISTS rs_e2e WITH (FORCE)");
    resetTarget();
    for (String role : ROLES) {
      source.execute("postgres", "DROP ROLE IF EXISTS " + role);
    }
    source.login("rs_src", PW, "SUPERUSER");
    // The membership's grantor is the target login's name: the pg_dumpall 15 used here writes GRANTED BY for a
    // PostgreSQL 15 source (16+ clients do not), and only a superuser may name another grantor on PostgreSQL 15.
    source.login("rs_tgt", PW, "CREATEROLE");
    source.execute(
        "postgres",
        "CREATE ROLE rs_repl REPLICATION",
        "CREATE ROLE rs_plain LOGIN",
        "CREATE ROLE rs_group",
        "SET ROLE rs_tgt",
        "GRANT rs_group TO rs_plain");
    source.database(
        "rs_e2e",
        "rs_src",
        "CREATE TABLE public.a (id int PRIMARY KEY)",
        "ALTER TABLE public.a OWNER TO rs_repl",
        "CREATE TABLE public.b (id int PRIMARY KEY)",
        "ALTER TABLE public.b OWNER TO rs_plain",
        "CREATE TABLE public.c (id int PRIMARY KEY)",
        "ALTER TABLE public.c OWNER TO rs_group",
        "GRANT SELECT ON public.a TO rs_plain");

    PgstreamPipeline p = Pipelines.onServers("rs-e2e", source, "rs_e2e", target, "rs_e2e_target");
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    p.getSpec().snapshot.mode = SnapshotMode.SCHEMA;
    p.getSpec().snapshot.schema = new SchemaSnapshotSpec();
    p.getSpec().snapshot.schema.rolesSnapshotMode = RolesSnapshotMode.NO_PASSWORDS;
    p.getSpec().snapshot.schema.noOwner = false;

    assertThat(roles(preflight(p)).orElseThrow().cause())
        .contains("\"rs_repl\" has REPLICATION: must be superuser to alter replication roles or change replication attribute");
    assertSnapshotFails(p, "must be superuser to alter replication roles or change replication attribute");

    // Owners in a membership: pgstream loses their GRANT ... TO CURRENT_USER, so taking ownership fails.
    source.execute("postgres", "ALTER ROLE rs_repl NOREPLICATION");
    resetTarget();
    assertThat(roles(preflight(p)).orElseThrow().cause())
        .contains("\"rs_plain\" owns objects and is in a membership", "\"rs_group\" owns objects and is in a membership")
        .doesNotContain("\"rs_repl\" owns");
    assertSnapshotFails(p, "must be member of role");

    // Without owners the grantee rs_plain and its membership bring all three roles, as the preflight reads them.
    resetTarget();
    p.getSpec().snapshot.schema.noOwner = true;
    p.getSpec().snapshot.schema.noPrivileges = false;
    assertThat(roles(preflight(p))).isEmpty();
    PgstreamRunner.Started ok = snapshot(p);
    assertThat(ok.waitFor()).as(ok.output()).isZero();
    assertThat(target.text("postgres", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'rs\\_%'"))
        .isEqualTo("rs_group,rs_plain,rs_tgt");
    assertThat(target.query("postgres", "SELECT count(*) FROM pg_auth_members WHERE roleid = 'rs_group'::regrole AND member = 'rs_plain'::regrole"))
        .isEqualTo(1);
  }

  private void resetTarget() {
    target.execute("postgres", "DROP DATABASE IF EXISTS rs_e2e_target WITH (FORCE)");
    for (String role : ROLES) {
      target.execute("postgres", "DROP ROLE IF EXISTS " + role);
    }
    target.login("rs_tgt", PW, "CREATEROLE");
    target.database("rs_e2e_target", "rs_tgt");
  }

  private void assertSnapshotFails(PgstreamPipeline p, String error) {
    PgstreamRunner.Started failed = snapshot(p);
    assertThat(failed.waitFor()).as(failed.output()).isNotZero();
    assertThat(failed.output()).contains(error);
  }

  private PreflightReport preflight(PgstreamPipeline p) {
    return new Preflight(DatabaseConnector.defaults())
        .run(p.getSpec(), ReplicationSlots.slotFor(p), new ResolvedCredentials("rs_src", PW, "rs_tgt", PW), SlotClaim.NONE);
  }

  private static java.util.Optional<Finding> roles(PreflightReport r) {
    return r.findings().stream().filter(f -> f.code().equals("RolesNotRestorable")).findFirst();
  }

  private PgstreamRunner.Started snapshot(PgstreamPipeline p) {
    Map<String, String> files = new HashMap<>(new PgstreamConfigRenderer().render(p).files());
    // Another e2e run on this machine may hold pgstream's health port.
    files.replaceAll((name, yaml) -> yaml.replace(":9910", ":19481"));
    return pgstream.start(
        PgstreamPods.args(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()),
        files,
        Map.of(
            CredentialEnv.SOURCE_USER, "rs_src",
            CredentialEnv.SOURCE_PASSWORD, PW,
            CredentialEnv.TARGET_USER, "rs_tgt",
            CredentialEnv.TARGET_PASSWORD, PW));
  }
}
