package io.pgstream.operator.dependent;

import java.util.List;
import java.util.Optional;

/**
 * The images a pipeline may choose with spec.image ({@code --allowed-image-prefixes}): its pods
 * receive the pipeline's credentials, the source admin's among them with initAsAdmin, so a
 * platform team may keep them to images it trusts. The operator's own images (the stock pgstream
 * image and the runner images) are the platform team's choice and are not checked. An empty list
 * allows every image.
 */
public final class ImageAllowList {
  public static final ImageAllowList ANY = new ImageAllowList(List.of());

  private final List<String> prefixes;

  private ImageAllowList(List<String> prefixes) {
    this.prefixes = prefixes;
  }

  /**
   * @param prefixes image reference prefixes such as {@code registry.example.com/pgstream/} or
   *     {@code registry.example.com/pgstream/runner}; a prefix ends at a path boundary, so
   *     {@code registry.example.com} does not admit {@code registry.example.com.evil.org/x}
   */
  public static ImageAllowList of(List<String> prefixes) {
    return new ImageAllowList(prefixes.stream().map(String::trim).filter(p -> !p.isEmpty()).toList());
  }

  /** Why {@code image} (spec.image; null or blank for the operator's own) may not run; empty when it may. */
  public Optional<String> refusal(String image) {
    if (prefixes.isEmpty() || image == null || image.isBlank() || prefixes.stream().anyMatch(p -> admits(p, image))) {
      return Optional.empty();
    }
    return Optional.of(
        "spec.image %s does not start with any of the operator's allowed image prefixes (%s); use an image from"
                .formatted(image, String.join(", ", prefixes))
            + " those, or remove spec.image to run the operator's own images");
  }

  private static boolean admits(String prefix, String image) {
    if (!image.startsWith(prefix)) {
      return false;
    }
    return prefix.endsWith("/") || image.length() == prefix.length() || "/:@".indexOf(image.charAt(prefix.length())) >= 0;
  }

  @Override
  public String toString() {
    return prefixes.isEmpty() ? "any image" : String.join(", ", prefixes);
  }
}
