package io.pgstream.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.support.Pipelines;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerImagesTest {
  static final String PINNED = "ghcr.io/pgstream-operator/pgstream-runner:1.3.1-pg17@sha256:" + "ab".repeat(32);

  @Test
  void aRunnerPinnedByDigestIsUsedAsGiven() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().image = null;
    assertThat(new RunnerImages(Map.of(17, PINNED), PgstreamPods.DEFAULT_IMAGE).snapshotImage(p, 16)).hasValue(PINNED);
  }

  @Test
  void theStockImageServesThePodsWithoutSpecImageAndSpecImageOverridesIt() {
    String mirror = "registry.example.com/mirror/pgstream:1.3.1@sha256:" + "cd".repeat(32);
    RunnerImages images = new RunnerImages(Map.of(17, PINNED), mirror);
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().image = null;
    p.getSpec().snapshot.mode = SnapshotMode.DATA;
    assertThat(images.pgstreamImage(p)).isEqualTo(mirror);
    assertThat(images.snapshotImage(p, 17)).as("a data-only snapshot needs no client tools").hasValue(mirror);
    p.getSpec().image = "registry.example.com/team/pgstream:1";
    assertThat(images.pgstreamImage(p)).isEqualTo("registry.example.com/team/pgstream:1");
    assertThatThrownBy(() -> new RunnerImages(Map.of(), "mirror@sha256:123"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--pgstream-image mirror@sha256:123 is not an image reference");
  }

  @Test
  void aValueThatIsNoImageStopsTheOperatorAtStart() {
    assertThatThrownBy(() -> new RunnerImages(Map.of(17, "runner@sha256:123"), PgstreamPods.DEFAULT_IMAGE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--runner-image 17=runner@sha256:123 is not an image reference");
  }
}
