package io.pgstream.operator.dashboard;

import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Series scraped from the operator's /metrics (Prometheus text format) at known times, as Prometheus would store them. */
final class Recording {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** A series' labels, its name under {@code __name__}. */
  record Series(SortedMap<String, String> labels) {
    String name() {
      return labels.get("__name__");
    }
  }

  private final Map<Series, NavigableMap<Double, Double>> samples = new TreeMap<>((a, b) -> a.labels().toString().compareTo(b.labels().toString()));

  /** One scrape, taken {@code seconds} into the run. */
  void scraped(double seconds, String exposition) {
    for (String line : exposition.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      SortedMap<String, String> labels = new TreeMap<>();
      labels.put("__name__", m.group(1));
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.computeIfAbsent(new Series(labels), k -> new TreeMap<>()).put(seconds, Double.parseDouble(m.group(3)));
    }
  }

  Map<Series, NavigableMap<Double, Double>> samples() {
    return samples;
  }

  double end() {
    return samples.values().stream().mapToDouble(NavigableMap::lastKey).max().orElse(0);
  }
}
