package io.pgstream.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README shows the phase table the operator decides from, verbatim: neither can drift from the other. */
class ReadmePhaseTableTest {
  @Test
  void theReadmeContainsThePhaseTableVerbatim() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(readme.contains(PhaseTable.markdown()))
        .as("README.md contains PhaseTable.markdown() verbatim (paste its current output)")
        .isTrue();
  }
}
