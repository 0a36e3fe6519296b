package io.pgstream.operator.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A bar chart of p50 and p99 create-to-children latency per pipeline count, as a PNG. */
final class LatencyPlot {
  private LatencyPlot() {}

  static void write(List<OperatorBench.Round> rounds, Path file) throws IOException {
    int width = 640;
    int height = 400;
    int left = 70;
    int bottom = 60;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    double max = rounds.stream().mapToDouble(OperatorBench.Round::p99Ms).max().orElse(1) * 1.15;
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("Create to children present (ms), p50 and p99", left, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setStroke(new BasicStroke(1));
    g.drawLine(left, height - bottom, width - 20, height - bottom);
    g.drawLine(left, 40, left, height - bottom);
    for (int i = 0; i <= 4; i++) {
      double v = max * i / 4;
      int y = height - bottom - (int) ((height - bottom - 40) * i / 4.0);
      g.drawString(String.format("%.0f", v), 10, y + 4);
    }
    int group = (width - left - 40) / rounds.size();
    for (int i = 0; i < rounds.size(); i++) {
      OperatorBench.Round r = rounds.get(i);
      int x = left + 20 + i * group;
      bar(g, x, r.p50Ms(), max, height, bottom, new Color(70, 130, 180));
      bar(g, x + 50, r.p99Ms(), max, height, bottom, new Color(220, 120, 60));
      g.setColor(Color.BLACK);
      g.drawString(r.pipelines() + " pipelines", x, height - bottom + 20);
    }
    g.setColor(new Color(70, 130, 180));
    g.fillRect(width - 150, 40, 12, 12);
    g.setColor(new Color(220, 120, 60));
    g.fillRect(width - 150, 60, 12, 12);
    g.setColor(Color.BLACK);
    g.drawString("p50", width - 130, 51);
    g.drawString("p99", width - 130, 71);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static void bar(Graphics2D g, int x, double value, double max, int height, int bottom, Color color) {
    int h = (int) ((height - bottom - 40) * (value / max));
    g.setColor(color);
    g.fillRect(x, height - bottom - h, 40, h);
  }
}
