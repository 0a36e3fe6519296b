package io.pgstream.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
  static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ghcr.io/xataio/pgstream:1.3.1",
        "ghcr.io/pgstream-operator/pgstream-runner:1.3.1-pg17",
        "runner:pg16",
        "localhost:5000/team/pgstream",
        "registry.example.com:443/mirror/ghcr.io__xataio/pgstream:v1.3.1_a"
      })
  void tagsAreAccepted(String image) {
    assertThat(ImageReference.valid(image)).isTrue();
    assertThat(ImageReference.pinned(image)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ghcr.io/xataio/pgstream@", "ghcr.io/pgstream-operator/pgstream-runner:1.3.1-pg17@", "localhost:5000/pgstream@"})
  void digestsAreAcceptedWithOrWithoutATag(String prefix) {
    assertThat(ImageReference.valid(prefix + DIGEST)).isTrue();
    assertThat(ImageReference.pinned(prefix + DIGEST)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ghcr.io/xataio/pgstream@sha256:0123",
        "ghcr.io/xataio/pgstream@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io/xataio/pgstream@md5:0123456789abcdef0123456789abcdef",
        "ghcr.io/xataio/pgstream:1.3.1 --privileged",
        "ghcr.io/Xataio/pgstream:1.3.1",
        "ghcr.io/xataio/pgstream:-bad",
        "ghcr.io/xataio//pgstream"
      })
  void anythingElseIsRefused(String image) {
    assertThat(ImageReference.valid(image)).isFalse();
  }
}
