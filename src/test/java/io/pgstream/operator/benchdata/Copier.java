package io.pgstream.operator.benchdata;

import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.e2e.PgstreamRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One way to copy the source database's schema and rows into an empty target database. */
interface Copier {
  String name();

  void copy(Peers peers, Path work);

  /** The floor: pg_dump's custom format piped into pg_restore, both single-threaded, nothing in between. */
  record PgDumpRestore() implements Copier {
    static final String NAME = "pg_dump -Fc | pg_restore";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public void copy(Peers peers, Path work) {
      String dump = peers.pgBin().resolve("pg_dump") + " -Fc -h 127.0.0.1 -p " + peers.source().port() + " -U postgres " + Dataset.DATABASE;
      String restore =
          peers.pgBin().resolve("pg_restore") + " -h 127.0.0.1 -p " + peers.target().port() + " -U postgres -d " + Dataset.TARGET_DATABASE;
      Peers.run(List.of("bash", "-o", "pipefail", "-c", dump + " | " + restore), peers.env(), work.resolve("pg_dump.log"));
    }
  }

  /** pgstream snapshot (schema and data) with the config the operator renders for a snapshot pipeline. */
  record PgstreamSnapshot(Settings settings) implements Copier {
    @Override
    public String name() {
      return "pgstream " + settings.name();
    }

    @Override
    public void copy(Peers peers, Path work) {
      Map<String, String> files = peers.render(peers.pipeline(PipelineMode.SNAPSHOT, settings.tweak()));
      PgstreamRunner.Started run =
          peers.pgstream().start(PgstreamPods.args(Step.SNAPSHOT.command(), PgstreamConfigRenderer.SNAPSHOT_FILE), files, peers.env());
      try {
        if (run.process().waitFor() != 0) {
          throw new IllegalStateException("pgstream snapshot (" + settings.name() + ") failed:\n" + run.output());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
