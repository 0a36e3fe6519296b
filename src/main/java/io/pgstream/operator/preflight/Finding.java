package io.pgstream.operator.preflight;

/**
 * One failed check.
 *
 * @param code stable reason code, used as the condition reason (e.g. {@code WalLevelNotLogical})
 * @param cause what is wrong, as the database reported it
 * @param fix the exact SQL or setting that repairs it
 */
public record Finding(Side side, Severity severity, String code, String cause, String fix) {
  static Finding error(Side side, String code, String cause, String fix) {
    return new Finding(side, Severity.ERROR, code, cause, fix);
  }

  static Finding warning(Side side, String code, String cause, String fix) {
    return new Finding(side, Severity.WARNING, code, cause, fix);
  }

  /** Cause and fix in one line, for a condition message or an Event. */
  public String describe() {
    return cause + " Fix: " + fix;
  }
}
