package io.pgstream.operator.prepare;

/** Preparation stopped before changing a role it may not change; the reason becomes a condition reason. */
public final class PreparationRefused extends Exception {
  private final String reason;

  PreparationRefused(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
