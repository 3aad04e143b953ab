package io.github.uwsgispringboot.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The end-to-end report reads wrk's output and ranks the rows as {@code scripts/benchmark.sh} lays
 * them out.
 */
class EndToEndReportTests {

	private static final String WRK_OUTPUT = """
			Running 10s test @ http://127.0.0.1:18081/hello
			  2 threads and 64 connections
			  Thread Stats   Avg      Stdev     Max   +/- Stdev
			    Latency     3.20ms    1.10ms  40.00ms   90.00%%
			    Req/Sec    10.00k   500.00    11.00k    70.00%%
			  Latency Distribution
			     50%%  %s
			     75%%    3.50ms
			     90%%    4.00ms
			     99%%  %s
			  %d requests in 10.00s, 3.00MB read
			  Socket errors: connect 0, read 2, write 0, timeout 1
			  Non-2xx or 3xx responses: 4
			Requests/sec:  %.2f
			Transfer/sec:    300.00KB
			""";

	@TempDir
	Path runDir;

	@Test
	void wrkOutputGivesThroughputLatencyInMillisecondsAndErrors() {
		WrkResult result = WrkResult.parse(wrk("850.00us", "1.20s", 20000.5));
		assertThat(result.requestsPerSecond()).isEqualTo(20000.5);
		assertThat(result.p50Millis()).isEqualTo(0.85);
		assertThat(result.p99Millis()).isEqualTo(1200);
		assertThat(result.requests()).isEqualTo(200005);
		assertThat(result.errors()).isEqualTo(7);
	}

	@Test
	void tableGivesEachRowsMedianAndItsRatiosToTheOtherRows() throws IOException {
		Files.writeString(this.runDir.resolve("rows.tsv"), """
				nginx\tnginx alone\tceiling\tnone\t1
				ours-unix\tours, unix\tours\tunix\t2
				uwsgi-unix\tuWSGI, unix\tuwsgi\tunix\t3
				""");
		Files.writeString(this.runDir.resolve("environment.tsv"), "Date\t2026-01-01 00:00 UTC\n");
		// backend and nginx: 10 and 5 µs per request in the median round
		long[] backendMicros = { 1_000_000, 1_000_000, 1_000_000 };
		Path runs = writeRounds(new String[] { "nginx", "ours-unix", "uwsgi-unix" },
				new double[][] { { 40000, 41000, 39000 }, { 9000, 11000, 10000 }, { 20000, 19000, 21000 } },
				new long[][] { backendMicros, backendMicros, backendMicros });
		Files.delete(runs.resolve("1.uwsgi-unix.cpu"));
		Files.writeString(runs.resolve("warmup.nginx.txt"), "not a measurement");
		EndToEndReport report = EndToEndReport.read(this.runDir);
		assertThat(report.markdown("chart.png")).contains("| ours, unix | 9,000 (10 %) | 11,000 (10 %) | 10,000 (10 %) |");
		String table = report.table();
		assertThat(table)
			.contains("| nginx alone | 40,000 | 2.00 ms | 9.00 ms | 4.00 | – | – | – | 100 % | – | 1 µs | 21 |")
			.contains("| ours, unix | 10,000 | 2.00 ms | 9.00 ms | 1.00 | 0.50 | – | – | 25 % | 10 µs | 5 µs | 21 |")
			// a round without CPU figures is left out of the CPU medians
			.contains("| uWSGI, unix | 20,000 | 2.00 ms | 9.00 ms | 2.00 | 1.00 | – | – | 50 % | 5 µs | 3 µs | 21 |");
		assertThat(report.comparisons()).isEmpty();
	}

	@Test
	void uwsgiRowsAreComparedWithTheHttpPortOnTheSameTransportAndTheTargetsJudged() throws IOException {
		Files.writeString(this.runDir.resolve("rows.tsv"), """
				nginx\tnginx alone\tceiling\tnone\t1
				ours-unix\tours, unix\tours\tunix\t2
				ours-tcp\tours, TCP\tours\ttcp\t3
				proxy\tproxy_pass\tproxy\ttcp\t4
				proxy-unix\tproxy_pass unix\tproxy\tunix\t5
				proxy-keepalive\tproxy_pass keep-alive\tproxy\tkeepalive\t6
				""");
		Files.writeString(this.runDir.resolve("environment.tsv"), "Date\t2026-01-01 00:00 UTC\n");
		// backend CPU per request over 10 s: 30, 45, 50, 40 and 20 µs
		writeOneRound(new String[] { "nginx", "ours-unix", "ours-tcp", "proxy", "proxy-unix", "proxy-keepalive" },
				new double[] { 40000, 24000, 12000, 10000, 20000, 40000 },
				new String[] { "1.00ms", "4.00ms", "5.00ms", "4.00ms", "5.00ms", "3.00ms" },
				new long[] { 0, 7_200_000, 5_400_000, 5_000_000, 8_000_000, 8_000_000 });
		EndToEndReport report = EndToEndReport.read(this.runDir);
		assertThat(report.table())
			// over a unix socket against the unix socket's proxy_pass, over TCP against TCP's
			.contains("| ours, unix | 24,000 | 1.00 ms | 4.00 ms | 1.00 | – | 1.20 | 0.60 | 60 % | 30 µs |")
			.contains("| ours, TCP | 12,000 | 1.00 ms | 5.00 ms | 0.50 | – | 1.20 | 0.30 | 30 % | 45 µs |")
			.contains("| proxy_pass keep-alive | 40,000 | 1.00 ms | 3.00 ms | 1.67 | – | 4.00 | 1.00 | 100 % | 20 µs |");
		assertThat(report.comparisons())
			.contains("- uwsgi over TCP against `proxy_pass` with a connection per request over TCP: **1.20** times the "
					+ "requests per second (target at least 1.15: met); p99 5.00 ms against 4.00 ms, 1.25 (target no worse: "
					+ "**not met**); backend CPU per request 45 µs against 50 µs, **0.90** times, -5.0 µs (target at most "
					+ "0.85 times: **not met**).")
			.contains("- uwsgi over a unix socket against `proxy_pass` keep-alive: **0.60** times the requests per second "
					+ "(target at least 0.80: **not met**); p99 4.00 ms against 3.00 ms, 1.33 (target no worse: **not met**); "
					+ "backend CPU per request 30 µs against 20 µs, **1.50** times, +10.0 µs (target at most +6 µs: **not met**).")
			.contains("- uwsgi over a unix socket against `proxy_pass` with a connection per request over a unix socket: "
					+ "**1.20** times the requests per second; p99 4.00 ms against 5.00 ms, 0.80; backend CPU per request "
					+ "30 µs against 40 µs, **0.75** times, -10.0 µs.");
		assertThat(report.markdown("chart.png")).contains(report.comparisons());
	}

	@Test
	void targetsOnCpuShowEachRoundAgainstThePeersSameRound() throws IOException {
		Files.writeString(this.runDir.resolve("rows.tsv"), """
				ours-tcp\tours, TCP\tours\ttcp\t3
				proxy\tproxy_pass\tproxy\ttcp\t4
				""");
		Files.writeString(this.runDir.resolve("environment.tsv"), "Date\t2026-01-01 00:00 UTC\n");
		// 100,000 requests a round; backend CPU per request: ours 40, 45, 60 µs, proxy_pass 50, 40, 60 µs
		double[] requestsPerSecond = { 10000, 10000, 10000 };
		writeRounds(new String[] { "ours-tcp", "proxy" }, new double[][] { requestsPerSecond, requestsPerSecond },
				new long[][] { { 4_000_000, 4_500_000, 6_000_000 }, { 5_000_000, 4_000_000, 6_000_000 } });
		assertThat(EndToEndReport.read(this.runDir).comparisons())
			.contains("backend CPU per request 45 µs against 50 µs, **0.90** times, -5.0 µs (target at most 0.85 times: "
					+ "**not met**); round by round 0.80, 1.13, 1.00.");
	}

	@Test
	void springMvcRowsHaveTheirOwnTableComparedWithTheirPeersBehindTheSameFrontEnd() throws IOException {
		Files.writeString(this.runDir.resolve("rows.tsv"), """
				nginx\tnginx alone\tceiling\tnone\t1
				mvc-unix\tMVC, uwsgi unix\tmvc\tunix\t2
				mvc-tcp\tMVC, uwsgi TCP\tmvc\ttcp\t3
				mvc-proxy\tMVC, proxy_pass\tmvc-http\thttp\t4
				mvc-proxy-unix\tMVC, proxy_pass unix\tmvc-http\thttp-unix\t8
				mvc-proxy-keepalive\tMVC, proxy_pass keep-alive\tmvc-http\thttp-keepalive\t5
				mvc-apache-uwsgi\tMVC, Apache uwsgi\tmvc-apache\ttcp\t6
				mvc-ajp\tMVC, Apache AJP\tmvc-ajp\tajp\t7
				""");
		Files.writeString(this.runDir.resolve("environment.tsv"), "Date\t2026-01-01 00:00 UTC\n");
		// 10 s of wrk: 100,000 requests at 10,000 req/s; backend 2 s, front end 1 s
		long[] backendMicros = new long[8];
		Arrays.fill(backendMicros, 2_000_000);
		writeOneRound(new String[] { "nginx", "mvc-unix", "mvc-tcp", "mvc-proxy", "mvc-proxy-unix", "mvc-proxy-keepalive",
				"mvc-apache-uwsgi", "mvc-ajp" }, new double[] { 40000, 15000, 12000, 10000, 10000, 20000, 9000, 10000 },
				new String[] { "1.00ms", "4.00ms", "5.00ms", "4.00ms", "4.00ms", "2.00ms", "6.00ms", "5.00ms" },
				backendMicros);
		EndToEndReport report = EndToEndReport.read(this.runDir);
		assertThat(report.table()).contains("| nginx alone |").doesNotContain("MVC");
		assertThat(report.mvcTable())
			.contains("| MVC, uwsgi TCP | 12,000 | 1.00 ms | 5.00 ms | 1.20 | 1.25 | 0.60 | – | 30 % | 17 µs | 8 µs | 7 |")
			.contains("| MVC, proxy_pass | 10,000 | 1.00 ms | 4.00 ms | 1.00 | 1.00 | 0.50 | – | 25 % | 20 µs | 10 µs | 7 |")
			// through Apache: compared with AJP only
			.contains("| MVC, Apache uwsgi | 9,000 | 1.00 ms | 6.00 ms | – | – | – | 0.90 | 23 % | 22 µs | 11 µs | 7 |");
		assertThat(report.mvcComparisons())
			.contains("- uwsgi over TCP against `proxy_pass` with a connection per request, both through nginx: **1.20** "
					+ "times the requests per second (target at least 1.15: met); p99 5.00 ms against 4.00 ms, 1.25 "
					+ "(target no worse: **not met**); backend CPU per request 17 µs against 20 µs, **0.83** times, -3.3 µs.")
			.contains("- uwsgi over a unix socket against `proxy_pass` with a connection per request over a unix socket, "
					+ "both through nginx: **1.50** times the requests per second; p99 4.00 ms against 4.00 ms, 1.00; backend CPU")
			.contains("- uwsgi over TCP against AJP, both through Apache httpd: **0.90** times");
		assertThat(report.mvcMarkdown()).startsWith(EndToEndReport.MVC_BEGIN + "\n\n| Machine and run | |")
			.contains("| MVC, Apache AJP | 10,000 |")
			.endsWith(EndToEndReport.MVC_END + "\n");
	}

	@Test
	void runWithoutSpringMvcRowsHasNoSpringMvcSection() throws IOException {
		Files.writeString(this.runDir.resolve("rows.tsv"), "nginx\tnginx alone\tceiling\tnone\t1\n");
		Files.writeString(this.runDir.resolve("environment.tsv"), "Date\t2026-01-01 00:00 UTC\n");
		Path runs = Files.createDirectory(this.runDir.resolve("runs"));
		Files.writeString(runs.resolve("1.nginx.wrk"), wrk("1.00ms", "2.00ms", 40000));
		EndToEndReport report = EndToEndReport.read(this.runDir);
		assertThat(report.mvcMarkdown()).isNull();
		assertThat(report.mvcComparisons()).isEmpty();
	}

	@Test
	void generatedSectionReplacesOnlyTheMarkedPartOfThePage() {
		String page = "intro\n" + EndToEndReport.BEGIN + "\nold\n" + EndToEndReport.END + "\noutro\n";
		String section = EndToEndReport.BEGIN + "\nnew\n" + EndToEndReport.END + "\n";
		assertThat(EndToEndReport.replaceSection(page, section)).isEqualTo("intro\n" + section + "outro\n");
		assertThatIllegalStateException().isThrownBy(() -> EndToEndReport.replaceSection("intro\n", section));
		String mvcPage = page + EndToEndReport.MVC_BEGIN + "\nold\n" + EndToEndReport.MVC_END + "\n";
		String mvcSection = EndToEndReport.MVC_BEGIN + "\nnew\n" + EndToEndReport.MVC_END + "\n";
		assertThat(EndToEndReport.replaceSection(mvcPage, mvcSection, EndToEndReport.MVC_BEGIN, EndToEndReport.MVC_END))
			.isEqualTo(page + mvcSection);
	}

	/**
	 * Write the rounds of each row: wrk's output (p50 1, 2, 3 ms in rounds 1, 2, 3; p99 9 ms) and the
	 * CPU figures (the backend's as given; nginx 0.5 s, wrk 1.5 s, the machine busy 5 s of 20 s: others
	 * used 10 %).
	 */
	private Path writeRounds(String[] ids, double[][] requestsPerSecond, long[][] backendMicros) throws IOException {
		Path runs = Files.createDirectory(this.runDir.resolve("runs"));
		for (int row = 0; row < ids.length; row++) {
			for (int round = 0; round < requestsPerSecond[row].length; round++) {
				Files.writeString(runs.resolve((round + 1) + "." + ids[row] + ".wrk"),
						wrk((round + 1) + ".00ms", "9.00ms", requestsPerSecond[row][round]));
				Files.writeString(runs.resolve((round + 1) + "." + ids[row] + ".cpu"),
						backendMicros[row][round] + " 500000 1500000 5000000 20000000\n");
			}
		}
		return runs;
	}

	/**
	 * Write one round of each row: wrk's output (p50 1 ms) and the CPU figures (the backend's as
	 * given; front end 1 s, wrk 1.5 s, the machine busy 5 s of 20 s).
	 */
	private void writeOneRound(String[] ids, double[] requestsPerSecond, String[] p99, long[] backendMicros)
			throws IOException {
		Path runs = Files.createDirectory(this.runDir.resolve("runs"));
		for (int row = 0; row < ids.length; row++) {
			Files.writeString(runs.resolve("1." + ids[row] + ".wrk"), wrk("1.00ms", p99[row], requestsPerSecond[row]));
			Files.writeString(runs.resolve("1." + ids[row] + ".cpu"),
					backendMicros[row] + " 1000000 1500000 5000000 20000000\n");
		}
	}

	private static String wrk(String p50, String p99, double requestsPerSecond) {
		return WRK_OUTPUT.formatted(p50, p99, (long) (requestsPerSecond * 10), requestsPerSecond);
	}

}
