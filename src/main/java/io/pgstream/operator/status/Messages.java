package io.pgstream.operator.status;

import java.util.List;

/** Wording shared by condition messages and Events. */
public final class Messages {
  private Messages() {}

  /** The first {@code shown} names, comma-separated, then "and N more": messages stay short however many there are. */
  public static String firstOf(List<String> names, int shown) {
    String listed = String.join(", ", names.subList(0, Math.min(shown, names.size())));
    return names.size() > shown ? listed + " and " + (names.size() - shown) + " more" : listed;
  }
}
