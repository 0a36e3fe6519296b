package io.pgstream.operator.api;

import java.util.regex.Pattern;

/**
 * What the operator accepts as a container image: {@code [registry[:port]/]path[:tag][@sha256:digest]}
 * (the OCI distribution grammar, lower-case hex digest). A digest pins the image: the registry cannot
 * serve different content under it, unlike a tag.
 */
public final class ImageReference {
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  /** Also the CRD's pattern for spec.image (RE2 and Java alike: no look-around). */
  public static final String REGEX =
      "^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)?"
          + COMPONENT
          + "(?:/"
          + COMPONENT
          + ")*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$";
  private static final Pattern PATTERN = Pattern.compile(REGEX);
  private static final Pattern DIGEST = Pattern.compile("@sha256:[a-f0-9]{64}$");

  private ImageReference() {}

  public static boolean valid(String image) {
    return image != null && PATTERN.matcher(image).matches();
  }

  public static boolean pinned(String image) {
    return image != null && DIGEST.matcher(image).find();
  }
}
