package io.pgstream.operator.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Keeps every log line written during the tests (message and stack trace) for leak checks. */
public class CapturedLogs extends AppenderBase<ILoggingEvent> {
  private static final List<String> LINES = new ArrayList<>();
  /** Per reconciled resource ("namespace/name"), its last lines; "" holds warnings logged outside a reconcile. */
  private static final Map<String, Deque<String>> KEPT = new HashMap<>();
  private static final int KEPT_PER_RESOURCE = 200;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
  private static volatile boolean keeping;

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(event.getFormattedMessage());
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      line.append('\n').append(t.getClassName()).append(": ").append(t.getMessage());
    }
    synchronized (LINES) {
      LINES.add(line.toString());
      if (keeping) {
        keep(event, line.toString());
      }
    }
  }

  private static void keep(ILoggingEvent event, String line) {
    String name = event.getMDCPropertyMap().get("resource.name");
    if (name == null && !event.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)) {
      return;
    }
    String key = name == null ? "" : event.getMDCPropertyMap().get("resource.namespace") + "/" + name;
    Deque<String> kept = KEPT.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (kept.size() == KEPT_PER_RESOURCE) {
      kept.removeFirst();
    }
    String logger = event.getLoggerName().substring(event.getLoggerName().lastIndexOf('.') + 1);
    kept.addLast(TIME.format(LocalTime.ofInstant(event.getInstant(), ZoneId.systemDefault())) + " " + event.getLevel() + " "
        + event.getThreadName() + " " + logger + ": " + line);
  }

  /** From now on also keeps each reconciled resource's last lines, for {@link #kept}: a failing sequence's story. */
  public static void keepPerResource() {
    keeping = true;
  }

  /** The last lines logged while reconciling {@code namespace/name} ("" for warnings outside any reconcile). */
  public static List<String> kept(String resource) {
    synchronized (LINES) {
      return List.copyOf(KEPT.getOrDefault(resource, new ArrayDeque<>()));
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
