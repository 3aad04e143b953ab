package io.github.uwsgispringboot.benchmarks.report;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart of an end-to-end run shows every row's label whole.
 */
class ThroughputChartTests {

	@Test
	void longestRowLabelOfTheBenchmarkFitsLeftOfItsBar() {
		System.setProperty("java.awt.headless", "true");
		BufferedImage chart = ThroughputChart.draw(
				List.of(new ThroughputChart.Bar(
						"MVC on Tomcat, HTTP on a unix socket, proxy_pass (a connection per request)", "mvc-http", 17849)),
				"title", "subtitle");
		// a label too long for its room is drawn from a negative x: its first letters reach the left edge
		for (int y = 60; y < chart.getHeight(); y++) {
			for (int x = 0; x < 8; x++) {
				assertThat(chart.getRGB(x, y)).as("pixel %d,%d", x, y).isEqualTo(Color.WHITE.getRGB());
			}
		}
	}

}
