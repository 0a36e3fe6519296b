package io.pgstream.operator.dependent;

import io.pgstream.operator.api.ImageReference;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which image runs a pipeline's pods. Init, streaming and data-only snapshots run the stock pgstream
 * image (the platform team's choice, e.g. a mirror pinned by digest). Schema snapshots (modes full
 * and schema) shell out to pg_dump and psql, which the stock image lacks and which refuse servers
 * newer than themselves: they need a runner image whose PostgreSQL client major is at least the
 * source's. spec.image overrides both.
 */
public final class RunnerImages {
  private final TreeMap<Integer, String> byClientMajor;
  private final String stockImage;

  /**
   * @param byClientMajor runner images keyed by the major version of the PostgreSQL client they carry,
   *     by tag or digest ({@link ImageReference})
   * @param stockImage the pgstream image of every other pod
   * @throws IllegalArgumentException for a value that is no image reference: a wrong flag stops the
   *     operator at start rather than every pod at pull time
   */
  public RunnerImages(Map<Integer, String> byClientMajor, String stockImage) {
    if (!ImageReference.valid(stockImage)) {
      throw new IllegalArgumentException(
          "--pgstream-image %s is not an image reference (registry/path:tag or registry/path[:tag]@sha256:<64 hex digits>)"
              .formatted(stockImage));
    }
    byClientMajor.forEach(
        (major, image) -> {
          if (!ImageReference.valid(image)) {
            throw new IllegalArgumentException(
                "--runner-image %d=%s is not an image reference (registry/path:tag or registry/path[:tag]@sha256:<64 hex digits>)"
                    .formatted(major, image));
          }
        });
    this.byClientMajor = new TreeMap<>(byClientMajor);
    this.stockImage = stockImage;
  }

  /** The image of init, streaming and destroy pods: spec.image when set, else the stock image. */
  public String pgstreamImage(PgstreamPipeline p) {
    return p.getSpec().image == null || p.getSpec().image.isBlank() ? stockImage : p.getSpec().image;
  }

  public static boolean needsPostgresClient(PgstreamPipelineSpec spec) {
    return spec.mode.snapshots() && (spec.snapshot == null || spec.snapshot.effectiveMode().includesSchema());
  }

  /**
   * The snapshot Job's image: spec.image when set; the stock image when no client tools are needed;
   * otherwise the runner with the lowest client major not below the source's (the highest runner when
   * the source version is unknown).
   *
   * @return empty when no configured runner can dump this source
   */
  public Optional<String> snapshotImage(PgstreamPipeline p, Integer sourceMajor) {
    if (p.getSpec().image != null && !p.getSpec().image.isBlank()) {
      return Optional.of(p.getSpec().image);
    }
    if (!needsPostgresClient(p.getSpec())) {
      return Optional.of(stockImage);
    }
    if (sourceMajor == null) {
      return byClientMajor.isEmpty() ? Optional.of(stockImage) : Optional.of(byClientMajor.lastEntry().getValue());
    }
    return Optional.ofNullable(byClientMajor.ceilingEntry(sourceMajor)).map(Map.Entry::getValue);
  }

  public String describe() {
    return byClientMajor.isEmpty() ? "none configured" : byClientMajor.toString();
  }
}
