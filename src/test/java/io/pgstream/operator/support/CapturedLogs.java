package io.pgstream.operator.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;

/** Keeps every log line written during the tests (message and stack trace) for leak checks. */
public class CapturedLogs extends AppenderBase<ILoggingEvent> {
  private static final List<String> LINES = new ArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(event.getFormattedMessage());
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      line.append('\n').append(t.getClassName()).append(": ").append(t.getMessage());
    }
    synchronized (LINES) {
      LINES.add(line.toString());
    }
  }

  /** The lines so far, forgotten here: a long test checks its own lines in parts and keeps memory bounded. */
  public static List<String> drain() {
    synchronized (LINES) {
      List<String> lines = List.copyOf(LINES);
      LINES.clear();
      return lines;
    }
  }

  public static List<String> lines() {
    synchronized (LINES) {
      return List.copyOf(LINES);
    }
  }
}
