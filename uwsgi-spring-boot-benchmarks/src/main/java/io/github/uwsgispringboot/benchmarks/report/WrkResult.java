package io.github.uwsgispringboot.benchmarks.report;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code wrk --latency} run measured, read from its output.
 *
 * @param requestsPerSecond the {@code Requests/sec} line
 * @param p50Millis the median latency, in milliseconds
 * @param p99Millis the 99th percentile latency, in milliseconds
 * @param requests the number of requests completed
 * @param errors responses other than 2xx or 3xx, plus socket errors (connect, read, write, timeout)
 */
record WrkResult(double requestsPerSecond, double p50Millis, double p99Millis, long requests, long errors) {

	private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("^Requests/sec:\\s+([0-9.]+)", Pattern.MULTILINE);

	private static final Pattern REQUESTS = Pattern.compile("^\\s*(\\d+) requests in ", Pattern.MULTILINE);

	private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");

	private static final Pattern SOCKET_ERRORS = Pattern
		.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

	/**
	 * Read the output of {@code wrk --latency}.
	 * @param output everything wrk printed
	 * @return the result
	 * @throws IllegalArgumentException when the output lacks the throughput or the latency distribution
	 */
	static WrkResult parse(String output) {
		double requestsPerSecond = Double.parseDouble(find(REQUESTS_PER_SECOND, output, "Requests/sec"));
		long requests = Long.parseLong(find(REQUESTS, output, "requests in"));
		long errors = 0;
		Matcher non2xx = NON_2XX.matcher(output);
		if (non2xx.find()) {
			errors += Long.parseLong(non2xx.group(1));
		}
		Matcher socketErrors = SOCKET_ERRORS.matcher(output);
		if (socketErrors.find()) {
			for (int i = 1; i <= 4; i++) {
				errors += Long.parseLong(socketErrors.group(i));
			}
		}
		return new WrkResult(requestsPerSecond, percentile(output, "50"), percentile(output, "99"), requests, errors);
	}

	private static double percentile(String output, String percent) {
		Pattern line = Pattern.compile("^\\s*" + percent + "%\\s+([0-9.]+)(us|ms|s|m|h)\\s*$", Pattern.MULTILINE);
		Matcher matcher = line.matcher(output);
		if (!matcher.find()) {
			throw new IllegalArgumentException("No " + percent + "% latency in the wrk output (run it with --latency)");
		}
		double value = Double.parseDouble(matcher.group(1));
		return switch (matcher.group(2)) {
			case "us" -> value / 1000;
			case "ms" -> value;
			case "s" -> value * 1000;
			case "m" -> value * 60_000;
			default -> value * 3_600_000;
		};
	}

	private static String find(Pattern pattern, String output, String what) {
		Matcher matcher = pattern.matcher(output);
		if (!matcher.find()) {
			throw new IllegalArgumentException("No '" + what + "' in the wrk output:\n" + output);
		}
		return matcher.group(1);
	}

}
