package io.pgstream.operator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws the chart's Grafana dashboard (its panels, grid positions, queries, legends and units) from the series
 * of a {@link Recording}, with Java2D: no Grafana. Timeseries panels draw lines; state-timeline panels draw one
 * row per series, filled where it has a value (1 dark, 0 light).
 */
final class DashboardPainter {
  private static final int WIDTH = 1600;
  private static final int UNIT = 34;
  private static final int TOP = 64;
  private static final Color[] PALETTE = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
    new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127)
  };

  private final Recording recording;
  private final double rateWindow;

  DashboardPainter(Recording recording, double rateWindow) {
    this.recording = recording;
    this.rateWindow = rateWindow;
  }

  void paint(JsonNode dashboard, String subtitle, Path file) throws IOException {
    int rows = 0;
    for (JsonNode p : dashboard.get("panels")) {
      rows = Math.max(rows, p.at("/gridPos/y").asInt() + p.at("/gridPos/h").asInt());
    }
    BufferedImage image = new BufferedImage(WIDTH, TOP + rows * UNIT + 10, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(new Color(244, 245, 247));
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(dashboard.get("title").asText(), 12, 26);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(subtitle, 12, 48);
    for (JsonNode p : dashboard.get("panels")) {
      int x = p.at("/gridPos/x").asInt() * WIDTH / 24 + 6;
      int y = TOP + p.at("/gridPos/y").asInt() * UNIT + 4;
      int w = p.at("/gridPos/w").asInt() * WIDTH / 24 - 12;
      int h = p.at("/gridPos/h").asInt() * UNIT - 8;
      panel(g, p, x, y, w, h);
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private void panel(Graphics2D g, JsonNode p, int x, int y, int w, int h) {
    g.setColor(Color.WHITE);
    g.fillRect(x, y, w, h);
    g.setColor(new Color(210, 212, 216));
    g.drawRect(x, y, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    g.drawString(p.get("title").asText(), x + 8, y + 18);
    List<PanelQuery.Line> lines = new ArrayList<>();
    for (JsonNode t : p.get("targets")) {
      lines.addAll(PanelQuery.parse(t.get("expr").asText()).evaluate(recording, t.get("legendFormat").asText(), rateWindow));
    }
    String unit = p.at("/fieldConfig/defaults/unit").asText("");
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    if (p.get("type").asText().equals("state-timeline")) {
      states(g, lines, x + 8, y + 28, w - 16, h - 36);
    } else {
      series(g, lines, unit, x + 8, y + 28, w - 16, h - 36);
    }
  }

  private void states(Graphics2D g, List<PanelQuery.Line> lines, int x, int y, int w, int h) {
    int label = 230;
    int plotW = w - label;
    int rowH = lines.isEmpty() ? h : Math.min(22, (h - 16) / lines.size());
    double end = recording.end();
    for (int i = 0; i < lines.size(); i++) {
      PanelQuery.Line line = lines.get(i);
      int ry = y + i * rowH;
      g.setColor(Color.DARK_GRAY);
      g.drawString(fit(g, line.legend(), label - 8), x, ry + rowH - 6);
      Color color = PALETTE[i % PALETTE.length];
      for (Map.Entry<Double, Double> e : line.points().entrySet()) {
        Double next = line.points().higherKey(e.getKey());
        // A gap longer than a few scrapes is an absent series (staleness), not a value.
        double until = next != null && next - e.getKey() < 4 * rateWindow ? next : e.getKey() + rateWindow / 4;
        int x0 = x + label + (int) (plotW * e.getKey() / end);
        int x1 = x + label + (int) (plotW * Math.min(until, end) / end);
        g.setColor(e.getValue() >= 1 ? color : new Color(color.getRed(), color.getGreen(), color.getBlue(), 60));
        g.fillRect(x0, ry + 2, Math.max(1, x1 - x0), rowH - 4);
      }
    }
    axis(g, x + label, y + h - 10, plotW, end);
  }

  private void series(Graphics2D g, List<PanelQuery.Line> lines, String unit, int x, int y, int w, int h) {
    int left = 70;
    int legendH = 14 * ((lines.size() + 2) / 3);
    int plotH = h - legendH - 18;
    int plotW = w - left;
    double max = lines.stream().flatMap(l -> l.points().values().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
    max = max <= 0 ? 1 : max * 1.1;
    double end = recording.end();
    for (int i = 0; i <= 4; i++) {
      int gy = y + plotH - plotH * i / 4;
      g.setColor(new Color(230, 231, 234));
      g.drawLine(x + left, gy, x + w, gy);
      g.setColor(Color.DARK_GRAY);
      g.drawString(format(max * i / 4, unit), x, gy + 4);
    }
    g.setStroke(new BasicStroke(2f));
    for (int i = 0; i < lines.size(); i++) {
      g.setColor(PALETTE[i % PALETTE.length]);
      Map.Entry<Double, Double> prev = null;
      for (Map.Entry<Double, Double> e : lines.get(i).points().entrySet()) {
        int px = x + left + (int) (plotW * e.getKey() / end);
        int py = y + plotH - (int) (plotH * e.getValue() / max);
        if (prev != null && e.getKey() - prev.getKey() < 4 * rateWindow) {
          g.drawLine(x + left + (int) (plotW * prev.getKey() / end), y + plotH - (int) (plotH * prev.getValue() / max), px, py);
        }
        prev = e;
      }
    }
    g.setStroke(new BasicStroke(1f));
    axis(g, x + left, y + plotH + 12, plotW, end);
    for (int i = 0; i < lines.size(); i++) {
      int lx = x + left + (i % 3) * (plotW / 3);
      int ly = y + plotH + 28 + (i / 3) * 14;
      g.setColor(PALETTE[i % PALETTE.length]);
      g.fillRect(lx, ly - 8, 10, 8);
      g.setColor(Color.DARK_GRAY);
      g.drawString(fit(g, lines.get(i).legend(), plotW / 3 - 16), lx + 14, ly);
    }
  }

  private static void axis(Graphics2D g, int x, int y, int w, double end) {
    g.setColor(Color.GRAY);
    int step = end > 120 ? 30 : end > 60 ? 15 : 10;
    for (int s = 0; s <= end; s += step) {
      g.drawString(s + " s", x + (int) (w * s / end) - 8, y);
    }
  }

  private static String fit(Graphics2D g, String text, int width) {
    String t = text;
    while (t.length() > 4 && g.getFontMetrics().stringWidth(t) > width) {
      t = t.substring(0, t.length() - 2);
    }
    return t.equals(text) ? t : t + "…";
  }

  private static String format(double v, String unit) {
    return switch (unit) {
      case "bytes" -> v >= 1 << 30 ? String.format("%.1f GiB", v / (1 << 30)) : v >= 1 << 20 ? String.format("%.1f MiB", v / (1 << 20)) : v >= 1 << 10 ? String.format("%.0f KiB", v / 1024) : String.format("%.0f B", v);
      case "ops" -> String.format("%.2f/s", v);
      default -> String.format("%.2f", v);
    };
  }
}
