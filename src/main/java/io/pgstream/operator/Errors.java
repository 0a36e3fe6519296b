package io.pgstream.operator;

import java.util.Optional;

/** What a failure says to a reader: its innermost cause, not the wrappers around it. */
public final class Errors {
  private Errors() {}

  /** The innermost cause as "Type: message", such as the API server's Forbidden naming the verb. */
  public static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + Optional.ofNullable(root.getMessage()).orElse("");
  }
}
