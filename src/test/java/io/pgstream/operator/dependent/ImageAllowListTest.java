package io.pgstream.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageAllowListTest {
  @Test
  void admitsImagesUnderAPrefixAtAPathBoundaryOnly() {
    ImageAllowList list = ImageAllowList.of(List.of("registry.example.com/pgstream/", "ghcr.io/xataio/pgstream"));

    assertThat(list.refusal("registry.example.com/pgstream/runner:1.3.1-pg17")).isEmpty();
    assertThat(list.refusal("ghcr.io/xataio/pgstream:v1.3.1")).isEmpty();
    assertThat(list.refusal("ghcr.io/xataio/pgstream@sha256:abc")).isEmpty();
    assertThat(list.refusal("ghcr.io/xataio/pgstream-evil:1")).isPresent();
    assertThat(list.refusal("registry.example.com/pgstreamx/runner:1")).isPresent();
    assertThat(list.refusal("evil.example.org/pgstream:1"))
        .hasValueSatisfying(m -> assertThat(m).startsWith("spec.image evil.example.org/pgstream:1 does not start with any of"));
  }

  @Test
  void theOperatorsOwnImagesAndAnEmptyListAreNotChecked() {
    ImageAllowList list = ImageAllowList.of(List.of("registry.example.com/"));
    assertThat(list.refusal(null)).isEmpty();
    assertThat(list.refusal(" ")).isEmpty();
    assertThat(ImageAllowList.of(List.of()).refusal("anything:1")).isEmpty();
  }
}
