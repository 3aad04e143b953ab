package io.github.uwsgispringboot.benchmarks.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Draws the end-to-end benchmark's requests per second as a horizontal bar chart, with nothing but
 * the JDK (run with {@code -Djava.awt.headless=true}). The group of a bar ({@code ceiling},
 * {@code ours}, {@code proxy}, {@code uwsgi}, {@code baseline}, {@code mvc}, {@code mvc-http},
 * {@code mvc-apache}, {@code mvc-ajp}) picks its colour.
 */
final class ThroughputChart {

	private static final int WIDTH = 1230;

	/** Room for the longest row label of scripts/benchmark.sh, about 80 characters. */
	private static final int LABEL_WIDTH = 600;

	private static final int VALUE_WIDTH = 110;

	private static final int BAR_HEIGHT = 30;

	private static final int ROW_HEIGHT = 44;

	private static final int TOP = 72;

	private static final int BOTTOM = 48;

	private ThroughputChart() {
	}

	static BufferedImage draw(List<Bar> bars, String title, String subtitle) {
		int height = TOP + bars.size() * ROW_HEIGHT + BOTTOM;
		BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = image.createGraphics();
		try {
			g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
			g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
			g.setColor(Color.WHITE);
			g.fillRect(0, 0, WIDTH, height);
			g.setColor(Color.DARK_GRAY);
			g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
			g.drawString(title, 16, 28);
			g.setColor(Color.GRAY);
			g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
			g.drawString(subtitle, 16, 48);
			double max = bars.stream().mapToDouble(Bar::value).max().orElse(1);
			double scale = niceCeiling(max);
			int plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
			drawGrid(g, scale, plotWidth, height);
			g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
			FontMetrics metrics = g.getFontMetrics();
			for (int i = 0; i < bars.size(); i++) {
				Bar bar = bars.get(i);
				int y = TOP + i * ROW_HEIGHT;
				int textY = y + (BAR_HEIGHT + metrics.getAscent() - metrics.getDescent()) / 2;
				g.setColor(Color.DARK_GRAY);
				g.drawString(bar.label(), LABEL_WIDTH - 12 - metrics.stringWidth(bar.label()), textY);
				int barWidth = (int) Math.round(plotWidth * bar.value() / scale);
				g.setColor(colour(bar.group()));
				g.fillRect(LABEL_WIDTH, y, Math.max(barWidth, 1), BAR_HEIGHT);
				g.setColor(Color.DARK_GRAY);
				g.drawString(String.format(Locale.ROOT, "%,.0f", bar.value()), LABEL_WIDTH + barWidth + 8, textY);
			}
		}
		finally {
			g.dispose();
		}
		return image;
	}

	private static void drawGrid(Graphics2D g, double scale, int plotWidth, int height) {
		g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
		FontMetrics metrics = g.getFontMetrics();
		int steps = 5;
		for (int i = 0; i <= steps; i++) {
			int x = LABEL_WIDTH + plotWidth * i / steps;
			g.setColor(new Color(0xE0E0E0));
			g.setStroke(new BasicStroke(1));
			g.drawLine(x, TOP - 8, x, height - BOTTOM + 4);
			String tick = String.format(Locale.ROOT, "%,.0f", scale * i / steps);
			g.setColor(Color.GRAY);
			g.drawString(tick, x - metrics.stringWidth(tick) / 2, height - BOTTOM + 20);
		}
		String axis = "requests per second (median of the rounds)";
		g.drawString(axis, LABEL_WIDTH + (plotWidth - metrics.stringWidth(axis)) / 2, height - 10);
	}

	/** The smallest round number at or above {@code value} whose fifths are round too: the grid. */
	private static double niceCeiling(double value) {
		double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
		for (double step : new double[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 }) {
			if (step * magnitude >= value) {
				return step * magnitude;
			}
		}
		return 10 * magnitude;
	}

	private static Color colour(String group) {
		return switch (group) {
			case "ceiling" -> new Color(0x9E9E9E);
			case "ours" -> new Color(0x1E88E5);
			case "proxy" -> new Color(0xFB8C00);
			case "uwsgi" -> new Color(0x43A047);
			case "baseline" -> new Color(0x90CAF9);
			case "mvc" -> new Color(0x3949AB);
			case "mvc-http" -> new Color(0xF4511E);
			case "mvc-apache" -> new Color(0x8E24AA);
			case "mvc-ajp" -> new Color(0x6D4C41);
			default -> Color.BLACK;
		};
	}

	record Bar(String label, String group, double value) {
	}

}
