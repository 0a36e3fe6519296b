package io.pgstream.operator.slots;

/** Human byte sizes for status and messages. */
public final class ByteSizes {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  static final long STATUS_FLOOR = 1024 * 1024;

  private ByteSizes() {}

  /**
   * For status fields: "<1 MiB" below 1 MiB. An idle slot's lag and retained WAL wander by a few
   * hundred bytes between checks; shown exactly, every check of a caught-up pipeline wrote its status.
   */
  public static String forStatus(long bytes) {
    return bytes < STATUS_FLOOR ? "<1 MiB" : human(bytes);
  }

  /** Whole numbers for bytes and from 10 up, one decimal below 10: 812 B, 3.4 KiB, 12 MiB. */
  public static String human(long bytes) {
    double value = Math.max(0, bytes);
    int unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    if (unit == 0 || value >= 10) {
      return Math.round(value) + " " + UNITS[unit];
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }
}
