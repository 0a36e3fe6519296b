package io.pgstream.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.lifecycle.TableSelectionChange.Selection;
import io.pgstream.operator.tls.CaBundle;
import io.pgstream.operator.support.Pipelines;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgstreamConfigRendererTest {
  private final PgstreamConfigRenderer renderer = new PgstreamConfigRenderer();

  @Test
  void urlsReferenceCredentialVariablesOnly() {
    RenderedConfig config = renderer.render(Pipelines.snapshotAndReplication("p"));
    assertThat(config.files().get(PgstreamConfigRenderer.REPLICATION_FILE))
        .contains("postgres://${PGSTREAM_SOURCE_USER}:${PGSTREAM_SOURCE_PASSWORD}@source.db:5432/app?sslmode=require")
        .contains("postgres://${PGSTREAM_TARGET_USER}:${PGSTREAM_TARGET_PASSWORD}@target.db:5432/app?sslmode=require");
  }

  /**
   * pgstream confirms a position to the slot once it has written it: a target session committing
   * asynchronously (the fast setting make bench-data measured native replication with) could lose a
   * write the slot has already passed. Nothing is appended to the target URL.
   */
  @Test
  void noTargetSessionCommitsAsynchronously() {
    RenderedConfig config = renderer.render(Pipelines.snapshotAndReplication("p"));
    for (String file : List.of(PgstreamConfigRenderer.SNAPSHOT_FILE, PgstreamConfigRenderer.REPLICATION_FILE)) {
      assertThat(config.files().get(file))
          .as(file)
          .contains("@target.db:5432/app?sslmode=require\"")
          .doesNotContainIgnoringCase("synchronous_commit");
    }
  }

  @Test
  void aSideWithABundleVerifiesTheHostWithItsFileInTheConfigMap() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().source.trustedCa = new CaBundle("SOURCE PEM", "test");
    RenderedConfig config = renderer.render(p);
    assertThat(config.files()).containsEntry(PgstreamConfigRenderer.SOURCE_CA_FILE, "SOURCE PEM");
    assertThat(config.files()).doesNotContainKey(PgstreamConfigRenderer.TARGET_CA_FILE);
    assertThat(config.files().get(PgstreamConfigRenderer.REPLICATION_FILE))
        .contains("@source.db:5432/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fpgstream%2Fsource-ca.crt\"")
        .contains("@target.db:5432/app?sslmode=require\"");
  }

  @Test
  void aNewBundleRollsTheStreamingPodsButNeitherRerunsInitNorTheSnapshot() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().source.trustedCa = new CaBundle("OLD CA", "test");
    p.getSpec().target.trustedCa = new CaBundle("OLD CA", "test");
    RenderedConfig before = renderer.render(p);
    p.getSpec().target.trustedCa = new CaBundle("NEW CA", "test");
    RenderedConfig after = renderer.render(p);
    assertThat(after.contentHash()).isNotEqualTo(before.contentHash());
    assertThat(after.initHash()).isEqualTo(before.initHash());
    assertThat(after.snapshotHash()).isEqualTo(before.snapshotHash());
  }

  @Test
  void anRdsSourceVerifiesByDefaultAndAnExplicitModeWins() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().source.rds = new RdsSpec();
    assertThat(renderer.render(p).files().get(PgstreamConfigRenderer.SNAPSHOT_FILE))
        .contains("@source.db:5432/app?sslmode=verify-full&sslrootcert=system\"");
    p.getSpec().source.sslMode = SslMode.REQUIRE;
    assertThat(renderer.render(p).files().get(PgstreamConfigRenderer.SNAPSHOT_FILE))
        .contains("@source.db:5432/app?sslmode=require\"");
  }

  @Test
  void snapshotOnlyRendersNoReplicationFileAndNoInitHash() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().mode = PipelineMode.SNAPSHOT;
    RenderedConfig config = renderer.render(p);
    assertThat(config.files()).containsOnlyKeys(PgstreamConfigRenderer.SNAPSHOT_FILE);
    assertThat(config.initHash()).isEmpty();
  }

  @Test
  void snapshotHashFollowsTheNonceButInitHashDoesNot() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    RenderedConfig before = renderer.render(p);
    p.getSpec().snapshot.nonce = "again";
    RenderedConfig after = renderer.render(p);
    assertThat(after.snapshotHash()).isNotEqualTo(before.snapshotHash());
    assertThat(after.initHash()).isEqualTo(before.initHash());
    assertThat(after.contentHash()).isEqualTo(before.contentHash());
  }

  @Test
  void initHashIgnoresTargetTuningButFollowsTheSlot() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    RenderedConfig before = renderer.render(p);
    p.getSpec().target.batch = new BatchSpec();
    p.getSpec().target.batch.size = 7;
    RenderedConfig tuned = renderer.render(p);
    assertThat(tuned.initHash()).isEqualTo(before.initHash());
    assertThat(tuned.contentHash()).isNotEqualTo(before.contentHash());
    p.getSpec().replicationSlot = "other_slot";
    assertThat(renderer.render(p).initHash()).isNotEqualTo(before.initHash());
  }

  @Test
  void databaseNamesArePercentEncodedInUrls() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().source.database = "my$db.v2";
    assertThat(renderer.render(p).files().get(PgstreamConfigRenderer.SNAPSHOT_FILE)).contains("/my%24db.v2?");
  }

  @Test
  void aNewTableSelectionRollsTheStreamingPodsButNeverRerunsInit() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    RenderedConfig before = renderer.render(p);
    p.getSpec().tables = List.of("public.orders");
    RenderedConfig after = renderer.render(p);
    assertThat(after.files().get(PgstreamConfigRenderer.REPLICATION_FILE)).contains("add_tables: public.orders\n");
    assertThat(after.contentHash()).isNotEqualTo(before.contentHash());
    assertThat(after.initHash()).isEqualTo(before.initHash());
  }

  @Test
  void theSnapshotCopiesInPgstreamsBulkBatchesWhateverStreamingIsTunedTo() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().target.batch = new BatchSpec();
    p.getSpec().target.batch.size = 7;
    RenderedConfig config = renderer.render(p);
    assertThat(config.files().get(PgstreamConfigRenderer.SNAPSHOT_FILE)).contains("size: 20000\n").doesNotContain("size: 7\n");
    assertThat(config.files().get(PgstreamConfigRenderer.REPLICATION_FILE)).contains("size: 7\n");

    p.getSpec().snapshot.bulkIngest = false;
    assertThat(renderer.render(p).files().get(PgstreamConfigRenderer.SNAPSHOT_FILE))
        .contains("size: 7\n")
        .doesNotContain("copy_workers");
  }

  /** pgstream 1.3.1 cmd/config/config.go:174-203, for copy_workers 1 (no split, the writer's 100 MiB queue) and 8. */
  @Test
  void bulkBatchBytesAreSplitAcrossTheCopyWorkersAsPgstreamDoes() {
    assertThat(PgstreamConfigRenderer.bulkBatch(1))
        .containsExactly(
            Map.entry("timeout", 30_000), Map.entry("size", 20_000), Map.entry("max_bytes", 83_886_080L),
            Map.entry("max_queue_bytes", 104_857_600L));
    assertThat(PgstreamConfigRenderer.bulkBatch(8))
        .containsEntry("max_bytes", 10_485_760L)
        .containsEntry("max_queue_bytes", 94_371_840L);
  }

  @Test
  void schemaOnlyTablesKeepTheirRowsOutOfABackfillAndOutOfStreaming() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().tables = List.of("public.*", "sales.*");
    p.getSpec().snapshot.schemaOnlyTables = List.of("sales.audit");
    RenderOptions backfill =
        new RenderOptions(List.of("sales.*"), List.of("public.*"), new Selection(List.of("sales.*"), List.of()));
    RenderedConfig config = renderer.render(p, backfill);
    assertThat(config.files().get(PgstreamConfigRenderer.BACKFILL_FILE)).contains("schema_only_tables:\n        - sales.audit\n");
    assertThat(config.files().get(PgstreamConfigRenderer.REPLICATION_FILE))
        .contains("schema_only_tables:\n      - sales.audit\n")
        .contains("filter_tables: sales.audit\n");
  }
}
