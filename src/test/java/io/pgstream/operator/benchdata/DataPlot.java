package io.pgstream.operator.benchdata;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Panels of labelled horizontal bars, one under the other, as a PNG. */
final class DataPlot {
  record Bar(String label, double value, boolean highlight) {}

  record Panel(String title, List<Bar> bars) {}

  private static final int WIDTH = 900;
  private static final int LABEL_WIDTH = 380;
  private static final int BAR_HEIGHT = 18;
  private static final int GAP = 6;
  private static final int TITLE_HEIGHT = 34;

  private DataPlot() {}

  static void write(List<Panel> panels, Path file) throws IOException {
    int height = 10;
    for (Panel p : panels) {
      height += TITLE_HEIGHT + p.bars().size() * (BAR_HEIGHT + GAP) + 12;
    }
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, height);
    int y = 10;
    for (Panel p : panels) {
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(p.title(), 10, y + 22);
      y += TITLE_HEIGHT;
      double max = p.bars().stream().mapToDouble(Bar::value).max().orElse(1);
      int room = WIDTH - LABEL_WIDTH - 90;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (Bar b : p.bars()) {
        int w = max <= 0 ? 0 : (int) Math.round(room * b.value() / max);
        g.setColor(Color.DARK_GRAY);
        g.drawString(b.label(), 10, y + BAR_HEIGHT - 4);
        g.setColor(b.highlight() ? new Color(0xD9, 0x5F, 0x0E) : new Color(0x4C, 0x72, 0xB0));
        g.fillRect(LABEL_WIDTH, y, Math.max(w, 1), BAR_HEIGHT);
        g.setColor(Color.BLACK);
        g.drawString(format(b.value()), LABEL_WIDTH + Math.max(w, 1) + 6, y + BAR_HEIGHT - 4);
        y += BAR_HEIGHT + GAP;
      }
      y += 12;
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static String format(double v) {
    return v >= 100 ? String.format("%,.0f", v) : String.format("%.1f", v);
  }
}
