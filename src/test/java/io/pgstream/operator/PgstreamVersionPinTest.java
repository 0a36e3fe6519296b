package io.pgstream.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamVersion;
import io.pgstream.operator.dependent.PgstreamPods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One pgstream version everywhere: the one the renderer targets, the e2e tier builds and tests, the
 * default image runs and the runner images are tagged with.
 */
class PgstreamVersionPinTest {
  @Test
  void theE2eTierBuildsTheSupportedVersion() throws IOException {
    Matcher m =
        Pattern.compile("(?m)^require github\\.com/xataio/pgstream v(\\S+)$")
            .matcher(Files.readString(Path.of("e2e/tools/pgstream/go.mod")));
    assertThat(m.find()).as("e2e/tools/pgstream/go.mod requires pgstream").isTrue();
    assertThat(m.group(1)).isEqualTo(PgstreamVersion.SUPPORTED);
  }

  @Test
  void theDefaultAndRunnerImagesRunTheSupportedVersion() throws IOException {
    assertThat(PgstreamPods.DEFAULT_IMAGE).contains("pgstream-runner:" + PgstreamVersion.SUPPORTED + "-pg");
    assertThat(Files.readString(Path.of("charts/pgstream-operator/values.yaml")))
        .as("the chart's pgstream image")
        .contains("pgstreamImage: " + PgstreamPods.DEFAULT_IMAGE + "\n");
    assertThat(Files.readString(Path.of("deploy/pgstream-operator.yaml"))).contains("--pgstream-image=" + PgstreamPods.DEFAULT_IMAGE + "\n");
    for (String file : new String[] {"charts/pgstream-operator/values.yaml", "deploy/pgstream-operator.yaml", "images/pgstream-runner/Containerfile"}) {
      Matcher tags = Pattern.compile("pgstream-runner:([0-9.]+)-pg").matcher(Files.readString(Path.of(file)));
      int found = 0;
      while (tags.find()) {
        assertThat(tags.group(1)).as(file).isEqualTo(PgstreamVersion.SUPPORTED);
        found++;
      }
      assertThat(found).as("runner image tags in " + file).isPositive();
    }
  }

  @Test
  void theCrdStatesTheSupportedVersion() throws IOException {
    assertThat(Files.readString(Path.of("crds/pgstreampipelines.pgstream.io-v1.yml")))
        .contains("pgstream " + PgstreamVersion.SUPPORTED)
        .doesNotContain("pgstream's default (50)");
  }
}
