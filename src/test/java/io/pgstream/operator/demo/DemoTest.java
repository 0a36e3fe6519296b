package io.pgstream.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** `make demo` is the README's first command: it must keep working. */
class DemoTest {
  @Test
  void everyExamplePipelineBecomesReady() throws Exception {
    assertThat(Demo.demo(Path.of("examples"))).isZero();
  }
}
