package io.pgstream.operator.bench;

import io.pgstream.operator.bench.RealApiBench.Round;
import io.pgstream.operator.bench.RealApiBench.Who;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** Create-to-Job latency, p50 and p99, operator against floor per pipeline count, on a log scale, as a PNG. */
final class LatencyPlot {
  private static final Color[] COLORS = {new Color(70, 130, 180), new Color(160, 200, 230), new Color(220, 120, 60), new Color(245, 190, 150)};
  private static final String[] LABELS = {"operator p50", "floor p50", "operator p99", "floor p99"};

  private LatencyPlot() {}

  static void write(List<Round> rounds, Path file) throws IOException {
    int width = 760;
    int height = 420;
    int left = 70;
    int bottom = 50;
    int top = 40;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("Create to init Job (ms, log scale): operator vs floor, real kube-apiserver", left, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setStroke(new BasicStroke(1));
    double maxMs = rounds.stream().mapToDouble(Round::p99Ms).filter(v -> !Double.isNaN(v)).max().orElse(10);
    int decades = (int) Math.ceil(Math.log10(Math.max(maxMs, 10)));
    int plotHeight = height - bottom - top;
    g.drawLine(left, height - bottom, width - 20, height - bottom);
    g.drawLine(left, top, left, height - bottom);
    for (int d = 0; d <= decades; d++) {
      int y = height - bottom - plotHeight * d / decades;
      g.drawString(String.format("%,.0f", Math.pow(10, d)), 10, y + 4);
    }
    List<Integer> sizes = rounds.stream().map(Round::pipelines).distinct().toList();
    int group = (width - left - 160) / Math.max(1, sizes.size());
    for (int i = 0; i < sizes.size(); i++) {
      int n = sizes.get(i);
      List<Round> op = rounds.stream().filter(r -> r.who() == Who.OPERATOR && r.pipelines() == n).toList();
      List<Round> floor = rounds.stream().filter(r -> r.who() == Who.FLOOR && r.pipelines() == n).toList();
      double[] values = {mean(op, Round::p50Ms), mean(floor, Round::p50Ms), mean(op, Round::p99Ms), mean(floor, Round::p99Ms)};
      int x = left + 15 + i * group;
      for (int b = 0; b < values.length; b++) {
        double v = Math.max(1, values[b]);
        int h = (int) (plotHeight * Math.log10(v) / decades);
        g.setColor(COLORS[b]);
        g.fillRect(x + b * 24, height - bottom - h, 22, h);
      }
      g.setColor(Color.BLACK);
      g.drawString(String.format("%,d pipelines", n), x, height - bottom + 20);
    }
    for (int b = 0; b < LABELS.length; b++) {
      g.setColor(COLORS[b]);
      g.fillRect(width - 140, top + 10 + b * 20, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(LABELS[b], width - 122, top + 21 + b * 20);
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static double mean(List<Round> rounds, ToDoubleFunction<Round> f) {
    return BenchReport.mean(rounds, f);
  }
}
