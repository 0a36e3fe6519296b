package io.pgstream.operator.transform;

import io.pgstream.operator.api.PgstreamVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * The transformer names the supported pgstream knows: pgstream-transformers.txt, one name a line,
 * which {@code make fidelity} compares with what the pinned pgstream's own builder lists
 * (pkg/transformers/builder TransformersMap, plus noop).
 */
public final class PgstreamTransformers {
  public static final Set<String> NAMES = load();

  private PgstreamTransformers() {}

  public static boolean known(String name) {
    return NAMES.contains(name);
  }

  /** The names as a message lists them. */
  public static String listed() {
    return String.join(", ", NAMES);
  }

  private static Set<String> load() {
    try (InputStream in = PgstreamTransformers.class.getResourceAsStream("/pgstream-transformers.txt")) {
      if (in == null) {
        throw new IllegalStateException("pgstream-transformers.txt is missing from the jar");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Collections.unmodifiableSortedSet(
          new TreeSet<>(Arrays.stream(text.split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList()));
    } catch (IOException e) {
      throw new UncheckedIOException("reading the transformer names of pgstream " + PgstreamVersion.SUPPORTED, e);
    }
  }
}
