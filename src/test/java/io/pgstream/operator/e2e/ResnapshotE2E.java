package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.TableSelection;
import io.pgstream.operator.preflight.TargetTables;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import io.pgstream.operator.verify.Verifier;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A second snapshot into a target that holds the first one's rows, with real pgstream and the config
 * the operator renders: the default (bulk COPY) fails on the first duplicate key, which is why the
 * operator refuses it; Truncate gives an exact copy; an upsert cannot be had from pgstream 1.3.1.
 */
class ResnapshotE2E {
  static final String PASSWORD = "resnapshot-pw-1";
  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());
  final DatabaseConnector connector = DatabaseConnector.defaults();

  @Test
  void aBulkSnapshotIntoAPopulatedTargetFailsSoTheOperatorRefusesIt() throws Exception {
    PgstreamPipeline p = copiedOnce("rs_refuse", PopulatedTargetPolicy.Refuse);
    try (Connection c = targetConnection(p)) {
      assertThat(TargetTables.populated(c, sourceTables(p))).containsExactly("public.items");
    }
    PgstreamRunner.Started again = snapshot(p, "rs_refuse");
    assertThat(again.waitFor()).as(again.output()).isNotZero();
    assertThat(again.output()).contains("duplicate key value violates unique constraint");
  }

  @Test
  void truncateThenSnapshotGivesAnExactCopy() throws Exception {
    PgstreamPipeline p = copiedOnce("rs_truncate", PopulatedTargetPolicy.Truncate);
    try (Connection c = targetConnection(p)) {
      TargetTables.truncate(c, TargetTables.populated(c, sourceTables(p)));
      assertThat(TargetTables.populated(c, sourceTables(p))).isEmpty();
    }
    PgstreamRunner.Started again = snapshot(p, "rs_truncate");
    assertThat(again.waitFor()).as(again.output()).isZero();
    assertThat(new Verifier(connector, Verifier.DEFAULT_SLOT_WAIT, Clock.systemUTC()).verify(p, logins("rs_truncate")).mismatched())
        .isEmpty();
  }

  /** Why spec.target.onConflictAction update is refused: pgstream 1.3.1 without its injector writes no ON CONFLICT clause. */
  @Test
  void onConflictUpdateIsNotAppliedWithoutTheInjector() {
    PgstreamPipeline p = copiedOnce("rs_update", PopulatedTargetPolicy.Refuse);
    Map<String, String> files = new PgstreamConfigRenderer().render(p).files();
    String snapshot = files.get(PgstreamConfigRenderer.SNAPSHOT_FILE);
    assertThat(snapshot).contains("on_conflict_action: error", "enabled: true");
    PgstreamRunner.Started again =
        pgstream.start(
            PgstreamPods.args(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()),
            Map.of(PgstreamConfigRenderer.SNAPSHOT_FILE, snapshot.replace("on_conflict_action: error", "on_conflict_action: update").replace("enabled: true", "enabled: false")),
            env("rs_update"));
    assertThat(again.waitFor()).as(again.output()).isNotZero();
    assertThat(again.output()).contains("duplicate key value violates unique constraint").doesNotContain("ON CONFLICT");
  }

  /**
   * snapshot_and_replication: the slot is created by init, before the snapshot, so an insert made in
   * between is copied and then replayed; the rendered on_conflict_action (nothing) lets the replay
   * skip it, and the stream goes on to apply what follows.
   */
  @Test
  void insertsBetweenInitAndTheSnapshotAreCopiedThenReplayedWithoutStoppingTheStream() throws Exception {
    String db = "rs_window";
    source.login(db + "_src", PASSWORD, "SUPERUSER");
    source.database(db, db + "_src", "CREATE TABLE public.items (id int PRIMARY KEY, v text)", "INSERT INTO public.items VALUES (1, 'one')");
    target.login(db + "_tgt", PASSWORD, "");
    target.database(db + "_target", db + "_tgt");
    PgstreamPipeline p = Pipelines.onServers("rs-window", source, db, target, db + "_target");
    p.getSpec().tables = List.of("public.items");
    Map<String, String> files = new PgstreamConfigRenderer().render(p).files();
    PgstreamRunner.Started init = pgstream.start(PgstreamPods.args(Step.INIT.command(), Step.INIT.configFile()), files, env(db));
    assertThat(init.waitFor()).as(init.output()).isZero();
    source.execute(db, "INSERT INTO public.items VALUES (2, 'two')", "UPDATE public.items SET v = 'one-changed' WHERE id = 1");
    PgstreamRunner.Started snapshot = pgstream.start(PgstreamPods.args(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()), files, env(db));
    assertThat(snapshot.waitFor()).as(snapshot.output()).isZero();
    PgstreamRunner.Started run = pgstream.start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, env(db));
    try {
      source.execute(db, "INSERT INTO public.items VALUES (3, 'three')");
      assertThat(Peers.eventually(Duration.ofSeconds(60), () -> target.query(db + "_target", "SELECT count(*) FROM public.items WHERE id = 3") == 1))
          .as(run.output())
          .isTrue();
      assertThat(run.process().isAlive()).as(run.output()).isTrue();
      assertThat(new Verifier(connector, Verifier.DEFAULT_SLOT_WAIT, Clock.systemUTC()).verify(p, logins(db)).mismatched()).isEmpty();
    } finally {
      run.stop();
    }
  }

  /** A data snapshot taken once; then the source changes (an update, a delete, an insert) and a new snapshot is due. */
  private PgstreamPipeline copiedOnce(String db, PopulatedTargetPolicy policy) {
    source.login(db + "_src", PASSWORD, "SUPERUSER");
    source.database(
        db, db + "_src", "CREATE TABLE public.items (id int PRIMARY KEY, v text)", "INSERT INTO public.items VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    target.login(db + "_tgt", PASSWORD, "");
    target.database(db + "_target", db + "_tgt", "CREATE TABLE public.items (id int PRIMARY KEY, v text)");
    target.execute(db + "_target", "ALTER TABLE public.items OWNER TO " + db + "_tgt");
    PgstreamPipeline p = Pipelines.onServers(db.replace('_', '-'), source, db, target, db + "_target");
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    p.getSpec().tables = List.of("public.items");
    p.getSpec().snapshot.mode = SnapshotMode.DATA;
    PgstreamRunner.Started first = snapshot(p, db);
    assertThat(first.waitFor()).as(first.output()).isZero();
    assertThat(target.query(db + "_target", "SELECT count(*) FROM public.items")).isEqualTo(3);
    source.execute(db, "UPDATE public.items SET v = 'two-changed' WHERE id = 2", "DELETE FROM public.items WHERE id = 3", "INSERT INTO public.items VALUES (4, 'four')");
    p.getSpec().snapshot.nonce = "2";
    p.getSpec().snapshot.populatedTarget = policy;
    return p;
  }

  private PgstreamRunner.Started snapshot(PgstreamPipeline p, String db) {
    return pgstream.start(PgstreamPods.args(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()), new PgstreamConfigRenderer().render(p).files(), env(db));
  }

  private static Map<String, String> env(String db) {
    return PgstreamRunner.env(logins(db));
  }

  private List<TableSelection.Table> sourceTables(PgstreamPipeline p) throws Exception {
    String db = p.getSpec().source.database;
    try (Connection c = connector.open(p.getSpec().source, db, db + "_src", PASSWORD)) {
      return TableSelection.tables(c, p.getSpec().tables, p.getSpec().excludedTables);
    }
  }

  private Connection targetConnection(PgstreamPipeline p) throws Exception {
    return connector.open(p.getSpec().target, p.getSpec().target.database, p.getMetadata().getName().replace('-', '_') + "_tgt", PASSWORD);
  }

  private static ResolvedCredentials logins(String db) {
    return new ResolvedCredentials(db + "_src", PASSWORD, db + "_tgt", PASSWORD);
  }
}
