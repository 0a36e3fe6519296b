package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.logs.PgstreamLog;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What real pgstream does with a write the target rejects, with the config the operator renders, and
 * what the operator reads of it: with strict mode (the default) pgstream stops and applies nothing
 * after the rejected change; without it pgstream skips the write, goes on, and says so only in its
 * log, where the operator counts it.
 */
class WriteFailuresE2E {
  static final String PASSWORD = "write-failures-pw-1";
  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());

  @Test
  void strictModeStopsOnARejectedWriteAndAppliesNothingAfterIt() {
    PgstreamRunner.Started run = streamingInto("wf_strict", true);
    source.execute("wf_strict", "INSERT INTO public.t VALUES (1, -1)", "INSERT INTO public.t VALUES (2, 2)");
    assertThat(Peers.eventually(Duration.ofSeconds(90), () -> !run.process().isAlive())).as(run.output()).isTrue();
    assertThat(run.process().exitValue()).isNotZero();
    assertThat(target.query("wf_strict_target", "SELECT count(*) FROM public.t")).isZero();
    String error = PgstreamLog.lastError(run.output()).orElseThrow();
    assertThat(PgstreamLog.stoppedOnRejectedWrite(error)).as(error).isTrue();
    assertThat(error).contains("positive").doesNotContain("-1");
  }

  /**
   * pgstream 1.3.1 coalesces consecutive inserts of a table into one multi-row statement; when the
   * target rejects one row, the whole statement is dropped, good rows with it, and counted once.
   */
  @Test
  void withoutStrictModeARejectedWriteIsDroppedWithTheRowsCoalescedWithItAndCounted() {
    PgstreamRunner.Started run = streamingInto("wf_lax", false);
    try {
      source.execute("wf_lax", "INSERT INTO public.t VALUES (1, -1)", "INSERT INTO public.t VALUES (2, 2)", "INSERT INTO public.t VALUES (3, 3)");
      assertThat(Peers.eventually(Duration.ofSeconds(60), () -> PgstreamLog.droppedWrites(run.output()).isPresent())).as(run.output()).isTrue();
      source.execute("wf_lax", "INSERT INTO public.t VALUES (4, 4)");
      assertThat(Peers.eventually(Duration.ofSeconds(60), () -> target.query("wf_lax_target", "SELECT count(*) FROM public.t WHERE id = 4") == 1))
          .as(run.output())
          .isTrue();
      assertThat(run.process().isAlive()).isTrue();
      assertThat(target.text("wf_lax_target", "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.t"))
          .as("rows 2 and 3, valid on the target, were dropped with row 1")
          .isEqualTo("4");
      assertThat(PgstreamLog.droppedWrites(run.output())).as(run.output()).hasValue(1);
    } finally {
      run.stop();
    }
  }

  /** A replication pipeline whose target has a CHECK constraint the source lacks, streaming with real pgstream. */
  private PgstreamRunner.Started streamingInto(String db, boolean strict) {
    source.login(db + "_src", PASSWORD, "SUPERUSER");
    source.database(db, db + "_src", "CREATE TABLE public.t (id int PRIMARY KEY, v int)");
    target.login(db + "_tgt", PASSWORD, "");
    target.database(db + "_target", db + "_tgt", "CREATE TABLE public.t (id int PRIMARY KEY, v int CONSTRAINT positive CHECK (v > 0))");
    target.execute(db + "_target", "ALTER TABLE public.t OWNER TO " + db + "_tgt");
    PgstreamPipeline p = Pipelines.onServers(db.replace('_', '-'), source, db, target, db + "_target");
    p.getSpec().mode = PipelineMode.REPLICATION;
    p.getSpec().tables = List.of("public.t");
    p.getSpec().target.strictMode = strict ? null : false;
    Map<String, String> files = new PgstreamConfigRenderer().render(p).files();
    Map<String, String> env = PgstreamRunner.env(new ResolvedCredentials(db + "_src", PASSWORD, db + "_tgt", PASSWORD));
    PgstreamRunner.Started init = pgstream.start(PgstreamPods.args(Step.INIT.command(), Step.INIT.configFile()), files, env);
    assertThat(init.waitFor()).as(init.output()).isZero();
    return pgstream.start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, env);
  }
}
