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
import io.pgstream.operator.support.TcpProxy;
import io.pgstream.operator.support.TestPostgres;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Decode-level filtering with real pgstream and wal2json: the source sends pgstream nothing for a
 * table the pipeline does not stream. pgstream reaches the source through a counting proxy; 8 MB of
 * rows written to an unselected table must not add more than the replication protocol's own traffic
 * (keepalives, the selected table's marker rows), while a selected table still streams and a column
 * added on the source (DDL, carried as a logical message that wal2json filters only by prefix) still
 * reaches the target.
 */
class DecodeFilterE2E {
  static final String PW = "decode-pw-1";
  static final String KEPT = "CREATE TABLE public.kept (id bigint PRIMARY KEY, v text NOT NULL)";
  static final String NOISE = "CREATE TABLE public.noise (id bigint PRIMARY KEY, payload text NOT NULL)";
  static final long NOISE_BYTES = 8L * 1000 * 1000;
  /**
   * Measured here: about 2 KB with the rendered add_tables, 20.6 MB with the plugin block removed (the
   * noise as JSON, inserted and updated). The bound leaves room for keepalives on a slow machine.
   */
  static final long ALLOWED_BYTES = 64 * 1024;
  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());

  @Test
  void changesToAnUnselectedTableNeverLeaveTheSourceWhileSelectedOnesAndDdlStream() throws Exception {
    Peers.freshPair("decode", PW, KEPT, NOISE);

    try (TcpProxy proxy = new TcpProxy(source.port())) {
      proxy.up();
      PgstreamPipeline p = Pipelines.onServers("decode-e2e", source, "decode_e2e", target, "decode_e2e_target");
      p.getSpec().mode = PipelineMode.REPLICATION;
      p.getSpec().snapshot = null;
      p.getSpec().tables = List.of("public.kept");
      p.getSpec().source.port = proxy.port();
      String slot = ReplicationSlots.slotFor(p);
      Map<String, String> files = PgstreamRunner.onFreeHealthPort(new HashMap<>(new PgstreamConfigRenderer().render(p).files()));
      assertThat(files.get(PgstreamConfigRenderer.REPLICATION_FILE)).contains("add_tables: public.kept\n");
      Map<String, String> env = PgstreamRunner.env(new ResolvedCredentials("decode_src", PW, "decode_tgt", PW));
      PgstreamRunner.Started init = pgstream.start(PgstreamPods.args(Step.INIT.command(), Step.INIT.configFile()), files, env);
      assertThat(init.waitFor()).as(init.output()).isZero();

      PgstreamRunner.Started run = pgstream.start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, env);
      try {
        source.execute("decode_e2e", "INSERT INTO public.kept VALUES (1, 'before')");
        assertThat(Peers.eventually(Duration.ofSeconds(60), () -> kept(target, "decode_e2e_target").equals("1")))
            .withFailMessage(() -> "the selected table did not stream:\n" + run.output())
            .isTrue();

        long before = proxy.bytesFromServer();
        int rows = (int) (NOISE_BYTES / 1000);
        for (int batch = 0; batch < 8; batch++) {
          source.execute(
              "decode_e2e",
              "INSERT INTO public.noise SELECT g, repeat(md5(g::text), 32) FROM generate_series(%d, %d) g"
                  .formatted(batch * rows / 8 + 1, (batch + 1) * rows / 8));
        }
        source.execute("decode_e2e", "UPDATE public.noise SET payload = upper(payload)");
        source.execute("decode_e2e", "ALTER TABLE public.kept ADD COLUMN extra text");
        source.execute("decode_e2e", "INSERT INTO public.kept VALUES (2, 'after', 'added column')");
        assertThat(Peers.eventually(Duration.ofSeconds(90), () -> kept(target, "decode_e2e_target").equals("1,2:added column")))
            .withFailMessage(() -> "the selected table or its new column did not stream after the noise:\n" + run.output())
            .isTrue();
        long sent = proxy.bytesFromServer() - before;
        long written = source.query("decode_e2e", "SELECT sum(octet_length(payload)) FROM public.noise");
        assertThat(written).as("the unselected table's rows written, twice over (insert and update)").isGreaterThanOrEqualTo(NOISE_BYTES);
        assertThat(sent)
            .as("bytes the source sent pgstream while %d bytes of rows were inserted and updated in an unselected table", written)
            .isLessThan(ALLOWED_BYTES);
        assertThat(target.query("decode_e2e_target", "SELECT count(*) FROM public.noise")).isZero();
      } finally {
        run.stop();
        source.execute("decode_e2e", "SELECT pg_drop_replication_slot('" + slot + "')");
      }
    }
  }

  /** The target's kept ids, and the extra column of the last row once it exists, e.g. "1,2:added column". */
  private static String kept(TestPostgres server, String db) {
    String ids = server.text(db, "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM public.kept");
    boolean extra = server.query(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'kept' AND column_name = 'extra'") > 0;
    return extra ? ids + ":" + server.text(db, "SELECT coalesce(max(extra), '') FROM public.kept") : ids;
  }
}
