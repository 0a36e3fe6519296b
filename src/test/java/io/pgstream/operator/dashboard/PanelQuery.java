package io.pgstream.operator.dashboard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two query shapes the dashboard's panels use, evaluated over a {@link Recording}: a selector (optionally
 * {@code == 1}) and {@code sum by (...) (rate(selector[$__rate_interval]))}. {@link #parse} refuses anything else,
 * so the rendered picture shows what each panel's query means.
 */
final class PanelQuery {
  private static final Pattern SELECTOR = Pattern.compile("^(\\w+)\\{([^}]*)\\}( == 1)?$");
  private static final Pattern SUM_RATE = Pattern.compile("^sum by \\(([\\w, ]+)\\) \\(rate\\((\\w+)\\{([^}]*)\\}\\[\\$__rate_interval\\]\\)\\)$");
  private static final Pattern MATCHER = Pattern.compile("(\\w+)(=~|!~|!=|=)\"([^\"]*)\"");
  private static final Pattern LEGEND = Pattern.compile("\\{\\{(\\w+)\\}\\}");

  private record LabelMatcher(String label, String op, String value) {
    boolean matches(Map<String, String> labels) {
      String v = labels.getOrDefault(label, "");
      return switch (op) {
        case "=" -> v.equals(value);
        case "!=" -> !v.equals(value);
        case "=~" -> v.matches(value);
        default -> !v.matches(value);
      };
    }
  }

  /** A line (or a state row) of a panel: its legend and its points in time. */
  record Line(String legend, NavigableMap<Double, Double> points) {}

  final String metric;
  private final List<LabelMatcher> matchers;
  private final boolean onlyOnes;
  private final List<String> sumBy;

  private PanelQuery(String metric, List<LabelMatcher> matchers, boolean onlyOnes, List<String> sumBy) {
    this.metric = metric;
    this.matchers = matchers;
    this.onlyOnes = onlyOnes;
    this.sumBy = sumBy;
  }

  /** Dashboard variables ($namespace, $pipeline) as "All". */
  static PanelQuery parse(String expr) {
    Matcher s = SELECTOR.matcher(expr);
    if (s.matches()) {
      return new PanelQuery(s.group(1), matchers(s.group(2)), s.group(3) != null, null);
    }
    Matcher r = SUM_RATE.matcher(expr);
    if (r.matches()) {
      return new PanelQuery(r.group(2), matchers(r.group(3)), false, List.of(r.group(1).split(",\\s*")));
    }
    throw new IllegalArgumentException("not a query shape the dashboard renderer evaluates: " + expr);
  }

  private static List<LabelMatcher> matchers(String text) {
    List<LabelMatcher> list = new ArrayList<>();
    Matcher m = MATCHER.matcher(text);
    while (m.find()) {
      list.add(new LabelMatcher(m.group(1), m.group(2), m.group(3).replaceAll("\\$\\w+", ".*")));
    }
    return list;
  }

  /** {@code rateWindow} stands for Grafana's $__rate_interval (a few scrape intervals). */
  List<Line> evaluate(Recording recording, String legendFormat, double rateWindow) {
    Map<String, NavigableMap<Double, Double>> lines = new LinkedHashMap<>();
    recording.samples().forEach(
        (series, points) -> {
          if (!series.name().equals(metric) || !matchers.stream().allMatch(m -> m.matches(series.labels()))) {
            return;
          }
          if (sumBy == null) {
            NavigableMap<Double, Double> kept = new TreeMap<>();
            points.forEach((t, v) -> {
              if (!onlyOnes || v == 1) {
                kept.put(t, v);
              }
            });
            lines.merge(legend(legendFormat, series.labels()), kept, (a, b) -> { a.putAll(b); return a; });
          } else {
            Map<String, String> grouped = new LinkedHashMap<>();
            sumBy.forEach(l -> grouped.put(l, series.labels().getOrDefault(l, "")));
            NavigableMap<Double, Double> sum = lines.computeIfAbsent(legend(legendFormat, grouped), k -> new TreeMap<>());
            points.forEach((t, v) -> {
              Map.Entry<Double, Double> before = points.floorEntry(t - rateWindow);
              if (before != null) {
                double increase = v >= before.getValue() ? v - before.getValue() : v;
                sum.merge(t, increase / (t - before.getKey()), Double::sum);
              }
            });
          }
        });
    List<Line> result = new ArrayList<>();
    lines.forEach((legend, points) -> {
      if (!points.isEmpty()) {
        result.add(new Line(legend, points));
      }
    });
    return result;
  }

  private static String legend(String format, Map<String, String> labels) {
    return LEGEND.matcher(format).replaceAll(m -> Matcher.quoteReplacement(labels.getOrDefault(m.group(1), "")));
  }
}
