package io.github.uwsgispringboot.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

/**
 * Turns the raw output of an end-to-end benchmark run ({@code scripts/benchmark.sh}) into one
 * table: each row's median requests per second and p50/p99 latency over the rounds, and its
 * ratios to the other rows. Writes {@code results.md} and {@code performance.png} into the run's
 * directory and prints the table; given a documentation page and a chart path, also replaces the
 * page's generated section and the chart.
 * <p>
 * The run's directory holds {@code rows.tsv} ({@code id, label, group, transport} per row, in
 * table order; group is {@code ceiling}, {@code ours}, {@code proxy} (the HTTP port through nginx,
 * transport {@code tcp} or {@code unix} for a connection per request, {@code keepalive} for kept-alive
 * connections), {@code uwsgi} or {@code baseline} for the WebFlux application's table, and for the
 * Spring MVC application's table {@code mvc} (uwsgi through nginx), {@code mvc-http} (its HTTP port
 * through nginx, transport {@code http} or {@code http-unix} for a connection per request over TCP or
 * a unix socket, {@code http-keepalive} for kept-alive connections), {@code mvc-apache}
 * (uwsgi through Apache httpd) or {@code mvc-ajp} (Tomcat's AJP connector through Apache httpd)),
 * {@code environment.tsv} ({@code name, value}: machine and parameters),
 * {@code runs/ROUND.ID.wrk}, the output of {@code wrk --latency} for each round and row, and
 * {@code runs/ROUND.ID.cpu}, the CPU time in microseconds that the row's backend, its front end
 * (nginx or Apache httpd) and wrk spent during that run, then the machine's busy time and its capacity (elapsed time times the
 * number of CPUs) over the same run.
 */
public final class EndToEndReport {

	static final String BEGIN = "<!-- scripts/benchmark.sh: begin generated section -->";

	static final String END = "<!-- scripts/benchmark.sh: end generated section -->";

	static final String MVC_BEGIN = "<!-- scripts/benchmark.sh: begin generated section, Spring MVC -->";

	static final String MVC_END = "<!-- scripts/benchmark.sh: end generated section, Spring MVC -->";

	private static final Pattern RUN_FILE = Pattern.compile("(\\d+)\\.(.+)\\.wrk");

	private static final String NONE = "–";

	private final List<Row> rows;

	private final Map<String, String> environment;

	private EndToEndReport(List<Row> rows, Map<String, String> environment) {
		this.rows = rows;
		this.environment = environment;
	}

	public static void main(String[] args) throws IOException {
		if (args.length != 1 && args.length != 3) {
			System.err.println("Usage: EndToEndReport <run-dir> [<docs-page.md> <docs-chart.png>]");
			System.exit(2);
		}
		Path runDir = Path.of(args[0]);
		EndToEndReport report = read(runDir);
		String section = report.markdown("performance.png");
		String mvcSection = report.mvcMarkdown();
		Files.writeString(runDir.resolve("results.md"), section + ((mvcSection != null) ? "\n" + mvcSection : ""),
				StandardCharsets.UTF_8);
		report.writeChart(runDir.resolve("performance.png"));
		System.out.println(report.table());
		System.out.println(report.comparisons());
		if (mvcSection != null) {
			System.out.println(report.mvcTable());
			System.out.println(report.mvcComparisons());
		}
		if (args.length == 3) {
			Path page = Path.of(args[1]);
			String text = replaceSection(Files.readString(page, StandardCharsets.UTF_8), section);
			if (mvcSection != null) {
				text = replaceSection(text, mvcSection, MVC_BEGIN, MVC_END);
			}
			Files.writeString(page, text, StandardCharsets.UTF_8);
			report.writeChart(Path.of(args[2]));
		}
	}

	static EndToEndReport read(Path runDir) throws IOException {
		Map<String, Map<Integer, Run>> results = new LinkedHashMap<>();
		try (var files = Files.list(runDir.resolve("runs"))) {
			for (Path file : (Iterable<Path>) files::iterator) {
				Matcher name = RUN_FILE.matcher(file.getFileName().toString());
				if (name.matches()) {
					results.computeIfAbsent(name.group(2), (id) -> new TreeMap<>())
						.put(Integer.parseInt(name.group(1)), Run.read(file));
				}
			}
		}
		List<Row> rows = new ArrayList<>();
		for (String[] fields : tsv(runDir.resolve("rows.tsv"))) {
			Map<Integer, Run> rounds = results.get(fields[0]);
			if (rounds == null) {
				throw new IllegalStateException("No wrk output for row " + fields[0] + " in " + runDir.resolve("runs"));
			}
			rows.add(new Row(fields[0], fields[1], fields[2], fields[3], List.copyOf(rounds.values())));
		}
		Map<String, String> environment = new LinkedHashMap<>();
		for (String[] fields : tsv(runDir.resolve("environment.tsv"))) {
			environment.put(fields[0], fields[1]);
		}
		return new EndToEndReport(rows, environment);
	}

	/**
	 * Return the result table, in markdown.
	 * @return the table
	 */
	String table() {
		Row ours = find("ours", "unix");
		Row keptAlive = find("proxy", "keepalive");
		Row ceiling = find("ceiling", null);
		StringBuilder table = new StringBuilder();
		table.append("| Row | req/s | p50 | p99 | ÷ ours (unix) | ÷ uWSGI, same transport | ÷ proxy_pass, same transport "
				+ "| ÷ proxy_pass keep-alive | of nginx alone | backend CPU per request | nginx CPU per request | errors |\n");
		table.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
		for (Row row : webFluxRows()) {
			boolean ceilingRow = "ceiling".equals(row.group());
			Row uwsgi = ceilingRow || "proxy".equals(row.group()) ? null : find("uwsgi", row.transport());
			Row perConnection = ceilingRow ? null : find("proxy", "unix".equals(row.transport()) ? "unix" : "tcp");
			String backendCpu = ceilingRow ? NONE : micros(row.median(Run::backendCpuPerRequest));
			table.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f ms | %.2f ms | %s | %s | %s | %s | %s | %s | %s | %d |%n",
					row.label(), row.requestsPerSecond(), row.p50Millis(), row.p99Millis(), ratio(row, ours),
					ratio(row, uwsgi), ratio(row, perConnection), ratio(row, ceilingRow ? null : keptAlive),
					percent(row, ceiling), backendCpu, micros(row.median(Run::frontEndCpuPerRequest)), row.errors()));
		}
		return table.toString();
	}

	/**
	 * Return the comparisons the tracker asks for of the WebFlux rows, in markdown, each with its
	 * targets: uwsgi against the same application's HTTP port behind nginx, on the same transport.
	 * @return a list, empty when the run lacks the rows
	 */
	String comparisons() {
		StringBuilder list = new StringBuilder();
		compare(list, "uwsgi over TCP against `proxy_pass` with a connection per request over TCP", find("ours", "tcp"),
				find("proxy", "tcp"), new Targets(1.15, 0.85, Double.NaN));
		compare(list, "uwsgi over a unix socket against `proxy_pass` keep-alive", find("ours", "unix"),
				find("proxy", "keepalive"), new Targets(0.8, Double.NaN, 6));
		compare(list, "uwsgi over a unix socket against `proxy_pass` with a connection per request over a unix socket",
				find("ours", "unix"), find("proxy", "unix"), Targets.NONE);
		return list.toString();
	}

	/**
	 * Return the Spring MVC application's table, in markdown: each row against its peers, the
	 * HTTP port behind nginx for the rows through nginx, the AJP connector for the rows through Apache.
	 * @return the table
	 */
	String mvcTable() {
		Row keptAlive = find("mvc-http", "http-keepalive");
		Row ajp = find("mvc-ajp", null);
		Row ceiling = find("ceiling", null);
		StringBuilder table = new StringBuilder();
		table.append("| Row | req/s | p50 | p99 | ÷ proxy_pass, same transport | p99 ÷ proxy_pass | ÷ proxy_pass keep-alive "
				+ "| ÷ AJP | of nginx alone | backend CPU per request | front end CPU per request | errors |\n");
		table.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
		for (Row row : mvcRows()) {
			boolean apache = row.throughApache();
			Row perConnection = find("mvc-http", row.transport().endsWith("unix") ? "http-unix" : "http");
			table.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f ms | %.2f ms | %s | %s | %s | %s | %s | %s | %s | %d |%n",
					row.label(), row.requestsPerSecond(), row.p50Millis(), row.p99Millis(),
					ratio(row, apache ? null : perConnection), p99Ratio(row, apache ? null : perConnection),
					ratio(row, apache ? null : keptAlive), ratio(row, apache ? ajp : null), percent(row, ceiling),
					micros(row.median(Run::backendCpuPerRequest)), micros(row.median(Run::frontEndCpuPerRequest)),
					row.errors()));
		}
		return table.toString();
	}

	/**
	 * Return the comparisons the tracker asks for of the Spring MVC rows, in markdown, each with its
	 * target where it has one.
	 * @return a list, empty when the run lacks the rows
	 */
	String mvcComparisons() {
		StringBuilder list = new StringBuilder();
		compare(list, "uwsgi over TCP against `proxy_pass` with a connection per request, both through nginx",
				find("mvc", "tcp"), find("mvc-http", "http"), new Targets(1.15, Double.NaN, Double.NaN));
		compare(list, "uwsgi over a unix socket against `proxy_pass` with a connection per request over a unix socket, "
				+ "both through nginx", find("mvc", "unix"), find("mvc-http", "http-unix"), Targets.NONE);
		compare(list, "uwsgi over TCP against AJP, both through Apache httpd", find("mvc-apache", null),
				find("mvc-ajp", null), Targets.NONE);
		return list.toString();
	}

	private static void compare(StringBuilder list, String what, Row row, Row peer, Targets targets) {
		if (row == null || peer == null) {
			return;
		}
		double throughput = row.requestsPerSecond() / peer.requestsPerSecond();
		double p99 = row.p99Millis() / peer.p99Millis();
		double cpu = row.median(Run::backendCpuPerRequest);
		double peerCpu = peer.median(Run::backendCpuPerRequest);
		list.append(String.format(Locale.ROOT, "- %s: **%.2f** times the requests per second", what, throughput));
		if (targets.hasOne()) {
			list.append(Double.isNaN(targets.throughput()) ? ""
					: String.format(Locale.ROOT, " (target at least %.2f: %s)", targets.throughput(),
							verdict(throughput >= targets.throughput())));
		}
		list.append(String.format(Locale.ROOT, "; p99 %.2f ms against %.2f ms, %.2f", row.p99Millis(),
				peer.p99Millis(), p99));
		if (targets.hasOne()) {
			list.append(" (target no worse: ").append(verdict(p99 <= 1)).append(")");
		}
		list.append(String.format(Locale.ROOT, "; backend CPU per request %s against %s, **%.2f** times, %+.1f µs",
				micros(cpu), micros(peerCpu), cpu / peerCpu, cpu - peerCpu));
		if (!Double.isNaN(targets.cpuRatio())) {
			list.append(String.format(Locale.ROOT, " (target at most %.2f times: %s)", targets.cpuRatio(),
					verdict(cpu / peerCpu <= targets.cpuRatio())));
		}
		if (!Double.isNaN(targets.cpuExtraMicros())) {
			list.append(String.format(Locale.ROOT, " (target at most %+.0f µs: %s)", targets.cpuExtraMicros(),
					verdict(cpu - peerCpu <= targets.cpuExtraMicros())));
		}
		list.append(cpuRoundByRound(row, peer, !Double.isNaN(targets.cpuExtraMicros()))).append(".\n");
	}

	/**
	 * Return the backend CPU per request of each round against the peer's in the same round, which
	 * shows how much the ratio of the medians moved with the machine: empty with one round, or
	 * rounds without CPU figures.
	 */
	private static String cpuRoundByRound(Row row, Row peer, boolean difference) {
		int rounds = Math.min(row.rounds().size(), peer.rounds().size());
		StringBuilder each = new StringBuilder();
		for (int round = 0; round < rounds; round++) {
			double cpu = row.rounds().get(round).backendCpuPerRequest();
			double peerCpu = peer.rounds().get(round).backendCpuPerRequest();
			if (Double.isNaN(cpu) || Double.isNaN(peerCpu)) {
				return "";
			}
			each.append((round > 0) ? ", " : "")
				.append(difference ? String.format(Locale.ROOT, "%+.1f µs", cpu - peerCpu)
						: String.format(Locale.ROOT, "%.2f", cpu / peerCpu));
		}
		return (rounds > 1) ? "; round by round " + each : "";
	}

	private static String verdict(boolean met) {
		return met ? "met" : "**not met**";
	}

	/**
	 * Return the generated section of the Spring MVC application's rows: the machine and run,
	 * their table, the comparisons and their rounds.
	 * @return the section, markers included, or {@code null} when the run has no such row
	 */
	String mvcMarkdown() {
		List<Row> mvc = mvcRows();
		if (mvc.isEmpty()) {
			return null;
		}
		return MVC_BEGIN + "\n\n" + machineTable() + "\n" + mvcTable() + "\n"
				+ "`÷ proxy_pass, same transport` and `p99 ÷ proxy_pass` compare with the HTTP port behind nginx's default "
				+ "`proxy_pass` (a connection per request) over the row's transport, TCP or unix socket, `÷ AJP` with "
				+ "Tomcat's AJP connector behind Apache httpd; the front end is nginx or Apache httpd, as the row says."
				+ "\n\n" + mvcComparisons() + "\n"
				+ roundsTable(mvc) + "\n" + MVC_END + "\n";
	}

	/**
	 * Return the generated section of the documentation page.
	 * @param chart the chart's path relative to the page
	 * @return the section, markers included
	 */
	String markdown(String chart) {
		StringBuilder page = new StringBuilder(BEGIN).append("\n\n");
		page.append(machineTable()).append("\n").append(table()).append("\n");
		page.append("Medians over the rounds, each column on its own. `÷` columns divide this row's requests per second "
				+ "by the other row's; `÷ proxy_pass, same transport` compares with the HTTP port behind nginx's default "
				+ "`proxy_pass` (a connection per request) over the row's transport, TCP or unix socket; `of nginx alone` "
				+ "is the share of what nginx answers by itself. CPU per request is the CPU time (user and system) the "
				+ "backend's processes, and nginx's, used during a run divided by the requests of the run.\n\n");
		String comparisons = comparisons();
		if (!comparisons.isEmpty()) {
			page.append(comparisons).append("\n");
		}
		page.append(roundsTable(webFluxRows()));
		page.append("\n![Requests per second per row](").append(chart).append(")\n\n").append(END).append("\n");
		return page.toString();
	}

	private String machineTable() {
		StringBuilder table = new StringBuilder("| Machine and run | |\n|---|---|\n");
		this.environment.forEach((name, value) -> table.append("| ").append(name).append(" | ").append(value).append(" |\n"));
		return table.toString();
	}

	private static String roundsTable(List<Row> rows) {
		int rounds = rows.stream().mapToInt((row) -> row.rounds().size()).max().orElse(0);
		StringBuilder table = new StringBuilder();
		table.append("Requests per second in each round, and in brackets the share of the machine's CPU that "
				+ "processes other than the benchmark's used meanwhile (other builds and tests on a shared machine):"
				+ "\n\n| Row |");
		for (int round = 1; round <= rounds; round++) {
			table.append(" round ").append(round).append(" |");
		}
		table.append("\n|---|").append("--:|".repeat(rounds)).append("\n");
		for (Row row : rows) {
			table.append("| ").append(row.label()).append(" |");
			row.rounds().forEach((run) -> table.append(String.format(Locale.ROOT, " %,.0f%s |", run.result().requestsPerSecond(),
					Double.isNaN(run.othersCpuShare()) ? "" : String.format(Locale.ROOT, " (%.0f %%)", 100 * run.othersCpuShare()))));
			table.append("\n");
		}
		return table.toString();
	}

	void writeChart(Path png) throws IOException {
		List<ThroughputChart.Bar> bars = this.rows.stream()
			.map((row) -> new ThroughputChart.Bar(row.label(), row.group(), row.requestsPerSecond()))
			.toList();
		String frontEnds = this.rows.stream().anyMatch(Row::throughApache) ? "nginx and Apache httpd" : "nginx";
		String title = "Requests per second through " + frontEnds + " (" + this.environment.getOrDefault("Date", "") + ")";
		String subtitle = this.environment.getOrDefault("CPU", "") + "; wrk " + this.environment.getOrDefault("wrk", "");
		ImageIO.write(ThroughputChart.draw(bars, title, subtitle), "png", png.toFile());
	}

	static String replaceSection(String page, String section) {
		return replaceSection(page, section, BEGIN, END);
	}

	static String replaceSection(String page, String section, String beginMarker, String endMarker) {
		int begin = page.indexOf(beginMarker);
		int end = page.indexOf(endMarker);
		if (begin < 0 || end < begin) {
			throw new IllegalStateException(
					"The page has no generated section: add the lines " + beginMarker + " and " + endMarker);
		}
		int afterEnd = page.indexOf('\n', end);
		return page.substring(0, begin) + section + ((afterEnd < 0) ? "" : page.substring(afterEnd + 1));
	}

	private List<Row> webFluxRows() {
		return this.rows.stream().filter((row) -> !row.mvc()).toList();
	}

	private List<Row> mvcRows() {
		return this.rows.stream().filter(Row::mvc).toList();
	}

	private Row find(String group, String transport) {
		return this.rows.stream()
			.filter((row) -> row.group().equals(group) && (transport == null || row.transport().equals(transport)))
			.findFirst()
			.orElse(null);
	}

	private static String ratio(Row row, Row other) {
		return (other != null) ? String.format(Locale.ROOT, "%.2f", row.requestsPerSecond() / other.requestsPerSecond())
				: NONE;
	}

	private static String p99Ratio(Row row, Row other) {
		return (other != null) ? String.format(Locale.ROOT, "%.2f", row.p99Millis() / other.p99Millis()) : NONE;
	}

	private static String percent(Row row, Row ceiling) {
		return (ceiling != null) ? String.format(Locale.ROOT, "%.0f %%", 100 * row.requestsPerSecond() / ceiling.requestsPerSecond())
				: NONE;
	}

	private static String micros(double value) {
		return Double.isNaN(value) ? NONE : String.format(Locale.ROOT, "%.0f µs", value);
	}

	private static List<String[]> tsv(Path file) throws IOException {
		return Files.readAllLines(file, StandardCharsets.UTF_8)
			.stream()
			.filter((line) -> !line.isBlank())
			.map((line) -> line.split("\t", -1))
			.toList();
	}

	/**
	 * What a row must reach against its peer: at least {@code throughput} times its requests per
	 * second, at most {@code cpuRatio} times its backend CPU per request, at most
	 * {@code cpuExtraMicros} more backend CPU per request, each NaN when not a target; and a p99 no
	 * worse, when any is a target.
	 */
	record Targets(double throughput, double cpuRatio, double cpuExtraMicros) {

		static final Targets NONE = new Targets(Double.NaN, Double.NaN, Double.NaN);

		boolean hasOne() {
			return !Double.isNaN(this.throughput) || !Double.isNaN(this.cpuRatio) || !Double.isNaN(this.cpuExtraMicros);
		}

	}

	/**
	 * One measured run: what wrk saw, and the CPU time (microseconds, -1 when unknown) that the
	 * backend, its front end (nginx or Apache httpd), wrk and the whole machine spent meanwhile, and
	 * the machine's capacity.
	 */
	record Run(WrkResult result, long backendCpuMicros, long frontEndCpuMicros, long wrkCpuMicros, long machineBusyMicros,
			long machineCapacityMicros) {

		static Run read(Path wrkOutput) throws IOException {
			WrkResult result = WrkResult.parse(Files.readString(wrkOutput));
			Path cpu = wrkOutput.resolveSibling(wrkOutput.getFileName().toString().replace(".wrk", ".cpu"));
			long[] micros = { -1, -1, -1, -1, -1 };
			if (Files.exists(cpu)) {
				String[] fields = Files.readString(cpu).trim().split("\\s+");
				for (int i = 0; i < Math.min(fields.length, micros.length); i++) {
					micros[i] = Long.parseLong(fields[i]);
				}
			}
			return new Run(result, micros[0], micros[1], micros[2], micros[3], micros[4]);
		}

		/**
		 * Return the share of the machine's CPU that processes other than the backend, its front
		 * end and wrk used during the run.
		 * @return from 0 to 1, NaN when unknown
		 */
		double othersCpuShare() {
			if (this.machineCapacityMicros <= 0 || this.wrkCpuMicros < 0) {
				return Double.NaN;
			}
			long ours = Math.max(this.backendCpuMicros, 0) + this.frontEndCpuMicros + this.wrkCpuMicros;
			return Math.max(0, (double) (this.machineBusyMicros - ours) / this.machineCapacityMicros);
		}

		double backendCpuPerRequest() {
			return perRequest(this.backendCpuMicros);
		}

		double frontEndCpuPerRequest() {
			return perRequest(this.frontEndCpuMicros);
		}

		private double perRequest(long micros) {
			return (micros >= 0 && this.result.requests() > 0) ? (double) micros / this.result.requests() : Double.NaN;
		}

	}

	/**
	 * One row of the table and its measured rounds.
	 */
	record Row(String id, String label, String group, String transport, List<Run> rounds) {

		/** Whether the row serves the Spring MVC application. */
		boolean mvc() {
			return this.group.startsWith("mvc");
		}

		/** Whether Apache httpd is the row's front end, rather than nginx. */
		boolean throughApache() {
			return "mvc-apache".equals(this.group) || "mvc-ajp".equals(this.group);
		}

		double requestsPerSecond() {
			return median((run) -> run.result().requestsPerSecond());
		}

		double p50Millis() {
			return median((run) -> run.result().p50Millis());
		}

		double p99Millis() {
			return median((run) -> run.result().p99Millis());
		}

		long errors() {
			return this.rounds.stream().mapToLong((run) -> run.result().errors()).sum();
		}

		/** The median of the rounds that have the value: NaN when none has it. */
		double median(ToDoubleFunction<Run> value) {
			double[] values = this.rounds.stream().mapToDouble(value).filter((v) -> !Double.isNaN(v)).sorted().toArray();
			if (values.length == 0) {
				return Double.NaN;
			}
			int middle = values.length / 2;
			return (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
		}

	}

}
