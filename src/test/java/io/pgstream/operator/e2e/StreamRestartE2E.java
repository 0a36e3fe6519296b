package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What a streaming pod's restarts (a Deployment roll, a drain, an OOM kill, a lost node) do to the
 * data: pgstream as the runner image builds it, with the config the operator renders, is stopped 30
 * times after lifetimes from a third of a second to four seconds, by SIGTERM and (every third time)
 * SIGKILL, while a writer inserts, updates and deletes; afterwards the target holds exactly the
 * source's rows. Stock pgstream 1.3.1 loses rows here (it confirms positions past transactions it has
 * not received; images/pgstream-runner/patches). What a restart repeats, on_conflict_action nothing
 * absorbs; under error the repeated tail would stop the stream.
 */
class StreamRestartE2E {
  static final String PW = "restart-pw-1";
  static final String TABLE = "CREATE TABLE public.items (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL DEFAULT 0)";
  static final int RESTARTS = 30;
  static final double[] LIFETIMES = {0.3, 0.8, 1.1, 1.5, 2.5, 4};
  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());

  @Test
  void restartsUnderWritesLeaveTheTargetEqualToTheSource() throws Exception {
    Peers.freshPair("restart", PW, TABLE);

    PgstreamPipeline p = Pipelines.onServers("restart-e2e", source, "restart_e2e", target, "restart_e2e_target");
    p.getSpec().mode = PipelineMode.REPLICATION;
    p.getSpec().snapshot = null;
    String slot = ReplicationSlots.slotFor(p);
    Map<String, String> files = PgstreamRunner.onFreeHealthPort(new HashMap<>(new PgstreamConfigRenderer().render(p).files()));
    assertThat(files.get(PgstreamConfigRenderer.REPLICATION_FILE)).contains("on_conflict_action: nothing");
    Map<String, String> env = PgstreamRunner.env(new ResolvedCredentials("restart_src", PW, "restart_tgt", PW));
    PgstreamRunner.Started init = pgstream.start(PgstreamPods.args(Step.INIT.command(), Step.INIT.configFile()), files, env);
    assertThat(init.waitFor()).as(init.output()).isZero();

    List<String> args = PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE);
    SourceWriter writer = new SourceWriter(source.port(), "restart_e2e", "restart_src", PW, 10);
    writer.start();
    PgstreamRunner.Started run = null;
    try {
      Random random = new Random(20261201L);
      for (int i = 0; i < RESTARTS; i++) {
        run = pgstream.start(args, files, env);
        Thread.sleep((long) (1000 * LIFETIMES[random.nextInt(LIFETIMES.length)]));
        PgstreamRunner.Started stopped = run;
        assertThat(stopped.process().isAlive()).as("restart %d: pgstream stopped on its own:\n%s", i, stopped.output()).isTrue();
        if (i % 3 == 2) {
          stopped.process().destroyForcibly();
          stopped.process().waitFor();
        } else {
          stopped.stop();
          // 143: the signal came before pgstream installed its handler (a slow start), which kills it like a SIGKILL.
          assertThat(stopped.process().exitValue()).as("restart %d: pgstream's exit after SIGTERM:\n%s", i, stopped.output()).isIn(0, 143);
        }
      }
      writer.stop();
      assertThat(writer.written()).as("the writer wrote throughout").isGreaterThan(RESTARTS * 20L);
      PgstreamRunner.Started last = pgstream.start(args, files, env);
      run = last;
      assertThat(Peers.eventually(Duration.ofSeconds(90), () -> rows(source, "restart_e2e").equals(rows(target, "restart_e2e_target"))))
          .withFailMessage(() -> difference() + "\n" + last.output())
          .isTrue();
    } finally {
      writer.stop();
      if (run != null) {
        run.stop();
      }
      source.execute("restart_e2e", "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }

  private static String rows(TestPostgres server, String db) {
    return server.text(db, "SELECT count(*) || ':' || coalesce(md5(string_agg(id || '/' || v || '/' || n, ',' ORDER BY id)), '') FROM public.items");
  }

  private String difference() {
    String ids = "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM public.items";
    List<String> onSource = List.of(source.text("restart_e2e", ids).split(","));
    List<String> onTarget = List.of(target.text("restart_e2e_target", ids).split(","));
    List<String> missing = new ArrayList<>(onSource);
    missing.removeAll(onTarget);
    List<String> extra = new ArrayList<>(onTarget);
    extra.removeAll(onSource);
    return "target differs from source after " + RESTARTS + " restarts: source " + rows(source, "restart_e2e") + ", target "
        + rows(target, "restart_e2e_target") + "; ids missing on the target " + missing + ", extra " + extra;
  }
}
