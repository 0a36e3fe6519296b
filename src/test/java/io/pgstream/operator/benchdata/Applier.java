package io.pgstream.operator.benchdata;

import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.e2e.PgstreamRunner;
import java.util.List;
import java.util.Map;

/**
 * One way to stream the source's changes to the target: {@link #prepare} creates its slot at the
 * current position without applying anything, {@link #start} applies from there, {@link #close} stops
 * and drops the slot (the next round starts from a new one).
 */
interface Applier extends AutoCloseable {
  String name();

  void prepare(Peers peers);

  void start();

  /** What the applier logged, for a failed wait. */
  default String output() {
    return "";
  }

  @Override
  void close();

  /** pgstream init, run and destroy with the replication config the operator renders. */
  final class Pgstream implements Applier {
    private final Settings settings;
    private Peers peers;
    private Map<String, String> files;
    private PgstreamRunner.Started running;

    Pgstream(Settings settings) {
      this.settings = settings;
    }

    @Override
    public String name() {
      return "pgstream " + settings.name();
    }

    @Override
    public void prepare(Peers peers) {
      this.peers = peers;
      files = peers.render(peers.pipeline(PipelineMode.REPLICATION, settings.tweak()));
      step(Step.INIT);
    }

    @Override
    public void start() {
      running = peers.pgstream().start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, peers.env());
    }

    @Override
    public String output() {
      return running == null ? "" : running.output();
    }

    @Override
    public void close() {
      if (running != null) {
        running.stop();
        running = null;
      }
      step(Step.DESTROY);
    }

    private void step(Step step) {
      PgstreamRunner.Started s = peers.pgstream().start(PgstreamPods.args(step.command(), step.configFile()), files, peers.env());
      if (s.waitFor() != 0) {
        throw new IllegalStateException("pgstream " + step.suffix() + " failed:\n" + s.output());
      }
    }
  }

  /**
   * PostgreSQL's own logical replication: a publication of the same tables and a subscription on the
   * target. Its apply worker commits asynchronously by default (safe for it: it reports only flushed
   * positions to the slot); {@code synchronousCommit} makes it flush every commit, as pgstream must.
   */
  final class Native implements Applier {
    static final String NAME = "native logical replication";
    private final boolean synchronousCommit;
    private Peers peers;

    Native(boolean synchronousCommit) {
      this.synchronousCommit = synchronousCommit;
    }

    @Override
    public String name() {
      return synchronousCommit ? NAME + " (synchronous_commit=on)" : NAME;
    }

    static void publish(Peers peers) {
      peers.source().execute(
          Dataset.DATABASE,
          "DROP PUBLICATION IF EXISTS bench_pub",
          "CREATE PUBLICATION bench_pub FOR TABLE " + String.join(", ", Dataset.TABLES));
    }

    @Override
    public void prepare(Peers peers) {
      this.peers = peers;
      peers.target().execute(
          Dataset.TARGET_DATABASE,
          "CREATE SUBSCRIPTION bench_sub CONNECTION 'host=127.0.0.1 port=" + peers.source().port() + " dbname=" + Dataset.DATABASE
              + " user=postgres password=" + peers.password() + "' PUBLICATION bench_pub WITH (copy_data = false, enabled = false, synchronous_commit = "
              + (synchronousCommit ? "on" : "off") + ")");
    }

    @Override
    public void start() {
      peers.target().execute(Dataset.TARGET_DATABASE, "ALTER SUBSCRIPTION bench_sub ENABLE");
    }

    @Override
    public void close() {
      peers.target().execute(Dataset.TARGET_DATABASE, "DROP SUBSCRIPTION bench_sub");
    }
  }
}
