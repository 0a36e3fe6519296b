package io.pgstream.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.support.Pipelines;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerImagesTest {
  static final String PINNED = "ghcr.io/pgstream-operator/pgstream-runner:1.3.1-pg17@sha256:" + "ab".repeat(32);

  @Test
  void aRunnerPinnedByDigestIsUsedAsGiven() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().image = null;
    assertThat(new RunnerImages(Map.of(17, PINNED)).snapshotImage(p, 16)).hasValue(PINNED);
  }

  @Test
  void aValueThatIsNoImageStopsTheOperatorAtStart() {
    assertThatThrownBy(() -> new RunnerImages(Map.of(17, "runner@sha256:123")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--runner-image 17=runner@sha256:123 is not an image reference");
  }
}
