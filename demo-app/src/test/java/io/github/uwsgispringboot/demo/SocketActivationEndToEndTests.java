package io.github.uwsgispringboot.demo;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import io.github.uwsgispringboot.e2e.EndToEnd;
import io.github.uwsgispringboot.e2e.Failover;
import io.github.uwsgispringboot.e2e.Failover.Outcome;
import io.github.uwsgispringboot.e2e.Failover.Run;
import io.github.uwsgispringboot.e2e.Nginx;
import io.github.uwsgispringboot.e2e.Transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The demo application started as systemd starts a socket-activated service, behind nginx. The
 * sockets (a TCP port and a unix socket) are made by Debian's {@code systemd-socket-activate}, the
 * real tool, which starts the application on the first connection. For restarts it starts
 * {@code scripts/lib/supervise.sh} instead, a small service manager that keeps the sockets and
 * starts the application again on each restart, passing them as systemd does. Under a load of
 * POSTs over both transports at once the application is restarted 3 times (more with
 * {@code -Duwsgi.restarts=N}): not a request may fail. {@code scripts/restart.sh} runs the long
 * version and the comparison without inherited sockets
 * ({@code -Duwsgi.restart.compare=true}).
 */
class SocketActivationEndToEndTests {

	private static final Path SUPERVISOR = Path.of("..", "scripts", "lib", "supervise.sh").toAbsolutePath().normalize();

	private static final Pattern LISTENING = Pattern.compile("uwsgi server listening on .*");

	private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

	private static final int RESTARTS = Integer.getInteger("uwsgi.restarts", 3);

	/**
	 * How the supervisor restarts: {@code chain} (the next run starts, then the previous one
	 * stops) in the test suite, {@code restart} (stop, then start, as {@code systemctl restart})
	 * with {@code -Duwsgi.restart.mode=restart}: then requests wait in the accept queue for as
	 * long as the JVM takes to stop and start, which exceeds the load's 10 s timeout on a busy
	 * machine.
	 */
	private static final String MODE = System.getProperty("uwsgi.restart.mode", "chain");

	/** The sockets, logs and nginx's files, kept when a test fails. */
	@TempDir(cleanup = CleanupMode.ON_SUCCESS)
	private Path dir;

	private final List<Process> processes = new ArrayList<>();

	private Path socket;

	private int port;

	private Nginx nginx;

	@BeforeEach
	void paths() throws IOException {
		assumeThat(Path.of("/usr/bin/systemd-socket-activate")).as("systemd-socket-activate (Debian's systemd)")
			.isExecutable();
		// nginx's workers run as nobody when the tests run as root: they must reach the socket
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		this.socket = this.dir.resolve("uwsgi.sock");
		this.port = EndToEnd.freePort();
	}

	@AfterEach
	void stop() throws Exception {
		if (this.nginx != null) {
			this.nginx.close();
		}
		for (int i = this.processes.size() - 1; i >= 0; i--) {
			terminate(this.processes.get(i));
		}
	}

	@Test
	void startsOnTheSocketsSystemdSocketActivatePasses() throws Exception {
		Process activator = activate(javaCommand());
		this.nginx = Nginx.start(this.socket, this.port);
		// the first connection makes systemd-socket-activate start the application: the request
		// waits in the accept queue while the JVM starts (sent directly: on a loaded machine the start
		// can outlast nginx's 60 s read timeout)
		assertThat(directGet("/hello")).startsWith("HTTP/1.1 200 ");
		assertThat(get(Transport.TCP)).isEqualTo(200);
		assertThat(get(Transport.UNIX_SOCKET)).isEqualTo(200);
		String log = log(this.dir.resolve("app.log"));
		assertThat(log).contains("uwsgi server listening on 127.0.0.1:" + this.port + " and unix:" + this.socket
				+ " (inherited from the service manager: [fd 3 (uwsgi), fd 4 (uwsgi)])");
		assertThat(log).contains("the service manager owns them, so these settings are not used: "
				+ "uwsgi.address=127.0.0.1, uwsgi.port=3031");
		terminate(activator);
		assertThat(this.socket).as("socket file, systemd-socket-activate's to remove").exists();
	}

	@Test
	void restartsOnInheritedSocketsLoseNoRequest() throws Exception {
		Process supervisor = activate(supervised(javaCommand()));
		Restarts restarts = underLoadWithRestarts(supervisor, true);
		restarts.report("inherited sockets, " + MODE);
		assertThat(restarts.tcp().failures()).as(restarts.diagnostics(restarts.tcp())).isEmpty();
		assertThat(restarts.unix().failures()).as(restarts.diagnostics(restarts.unix())).isEmpty();
		assertThat(this.nginx.errorLog()).doesNotContain("no live upstreams").doesNotContainPattern(Failover.FAILED_AFTER_SENDING);
	}

	@Test
	@EnabledIfSystemProperty(named = "uwsgi.restart.compare", matches = "true")
	void restartsWithoutInheritedSocketsForComparison() throws Exception {
		List<String> command = javaCommand();
		command.addAll(List.of("--uwsgi.inherited-sockets=ignore", "--uwsgi.port=" + this.port,
				"--uwsgi.unix-socket.path=" + this.socket, "--uwsgi.unix-socket.permissions=666"));
		Process supervisor = start(supervised(command));
		Restarts restarts = underLoadWithRestarts(supervisor, false);
		restarts.report("sockets bound by each run, " + MODE);
	}

	/**
	 * Run POST loads through nginx over TCP and over the unix socket at once, and restart the
	 * application {@value #RESTARTS} times while they run.
	 */
	private Restarts underLoadWithRestarts(Process supervisor, boolean activated) throws Exception {
		this.nginx = Nginx.start(this.socket, this.port);
		if (activated) {
			// the first connection makes systemd-socket-activate start the supervisor
			assertThat(get(Transport.TCP)).isEqualTo(200);
		}
		awaitLog(this.dir.resolve("app.1.log"), supervisor);
		CountDownLatch restarted = new CountDownLatch(1);
		List<long[]> windows = new ArrayList<>();
		CompletableFuture<Run> unix = CompletableFuture.supplyAsync(() -> run(Transport.UNIX_SOCKET, () -> {
			assertThat(restarted.await(10L * 60, TimeUnit.SECONDS)).isTrue();
		}));
		Run tcp = Failover.underLoad(this.nginx.uri(Transport.TCP, "/sha256"), () -> {
			try {
				for (int i = 1; i <= RESTARTS; i++) {
					Path next = this.dir.resolve("app." + (i + 1) + ".log");
					long start = System.nanoTime();
					signal(supervisor, "HUP");
					awaitLog(next, supervisor);
					windows.add(new long[] { start, System.nanoTime() });
					Thread.sleep(1000);
				}
			}
			finally {
				restarted.countDown();
			}
		});
		return new Restarts(tcp, unix.get(10, TimeUnit.MINUTES), windows, this.nginx, this.dir);
	}

	private Run run(Transport transport, Failover.Stop stop) {
		try {
			return Failover.underLoad(this.nginx.uri(transport, "/sha256"), stop);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private int get(Transport transport) throws Exception {
		return java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest.newBuilder(this.nginx.uri(transport, "/")).timeout(START_TIMEOUT).build(),
					java.net.http.HttpResponse.BodyHandlers.discarding())
			.statusCode();
	}

	/**
	 * Start {@code command} as systemd would for a {@code .socket} unit with
	 * {@code ListenStream=127.0.0.1:PORT}, {@code ListenStream=SOCKET}, {@code SocketMode=0666}
	 * and {@code FileDescriptorName=uwsgi}.
	 */
	private Process activate(List<String> command) throws Exception {
		List<String> activate = new ArrayList<>(List.of("/usr/bin/systemd-socket-activate", "-l",
				"127.0.0.1:" + this.port, "-l", this.socket.toString(), "--fdname=uwsgi:uwsgi", "-E", "SUPERVISE_MODE"));
		activate.addAll(command);
		Process process = start(activate);
		awaitLog(this.dir.resolve("activate.log"), "Listening on " + this.socket, process);
		// systemd sets SocketMode=; systemd-socket-activate has no option for it
		Files.setPosixFilePermissions(this.socket, PosixFilePermissions.fromString("rw-rw-rw-"));
		return process;
	}

	private Process start(List<String> command) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.environment().put("SUPERVISE_MODE", MODE);
		Process process = builder.redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("activate.log").toFile())
			.start();
		this.processes.add(process);
		return process;
	}

	private List<String> supervised(List<String> command) throws IOException {
		List<String> supervised = new ArrayList<>(List.of("/bin/sh", SUPERVISOR.toString(), this.dir.resolve("app").toString()));
		supervised.addAll(command);
		return supervised;
	}

	private List<String> javaCommand() {
		return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlogging.file.name=" + this.dir.resolve("app.log"),
				"-cp", System.getProperty("java.class.path"), DemoApplication.class.getName(), "--server.port=-1",
				"--spring.main.banner-mode=off", "--uwsgi.access-log.enabled=true"));
	}

	/**
	 * Send a uwsgi GET straight to the TCP socket systemd-socket-activate holds, and read the whole
	 * response, waiting as long as an application start may take.
	 */
	private String directGet(String uri) throws IOException {
		ByteArrayOutputStream vars = new ByteArrayOutputStream();
		for (String[] var : new String[][] { { "REQUEST_METHOD", "GET" }, { "REQUEST_URI", uri } }) {
			for (String part : var) {
				byte[] bytes = part.getBytes(StandardCharsets.ISO_8859_1);
				vars.write(bytes.length & 0xFF); // u16 little-endian length
				vars.write(bytes.length >> 8);
				vars.write(bytes);
			}
		}
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout((int) START_TIMEOUT.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write(new byte[] { 0, (byte) vars.size(), (byte) (vars.size() >> 8), 0 }); // modifier1, size, modifier2
			vars.writeTo(out);
			out.flush();
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

	/** Wait until the next run of the supervised application listens. */
	private void awaitLog(Path log, Process supervisor) throws Exception {
		awaitLog(log, null, supervisor);
	}

	private static void awaitLog(Path log, String text, Process process) throws Exception {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			String content = log(log);
			if ((text != null) ? content.contains(text) : LISTENING.matcher(content).find()) {
				return;
			}
			assertThat(process.isAlive()).as("%s alive; %s:%n%s", process.pid(), log, content).isTrue();
			Thread.sleep(50);
		}
		throw new AssertionError("nothing like " + ((text != null) ? text : LISTENING) + " in " + log + ":\n" + log(log));
	}

	private static String log(Path log) throws IOException {
		return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
	}

	/** Send a signal to the process that systemd-socket-activate started, or to {@code process}. */
	private static void signal(Process process, String signal) throws Exception {
		long pid = process.descendants().filter((child) -> child.info().command().orElse("").endsWith("sh"))
			.map(ProcessHandle::pid)
			.findFirst()
			.orElse(process.pid());
		assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor()).isZero();
	}

	private static void terminate(Process process) throws InterruptedException {
		process.descendants().forEach(ProcessHandle::destroy);
		process.destroy();
		if (!process.waitFor(40, TimeUnit.SECONDS)) {
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

	/** The loads over both transports, and when each restart began and the next run listened. */
	private record Restarts(Run tcp, Run unix, List<long[]> windows, Nginx nginx, Path dir) {

		void report(String scenario) {
			System.out.printf("[restart] %s, %d restarts (%s): TCP %s; unix socket %s%n", scenario, this.windows.size(),
					this.windows.stream()
						.map((window) -> TimeUnit.NANOSECONDS.toMillis(window[1] - window[0]) + " ms")
						.collect(Collectors.joining(", ")),
					describe(this.tcp), describe(this.unix));
		}

		private String describe(Run run) {
			long status502 = run.failures().stream().filter((failure) -> "status 502".equals(failure.failure())).count();
			long longest = run.outcomes().stream().mapToLong((outcome) -> outcome.end() - outcome.start()).max().orElse(0);
			long longestDuringRestart = run.outcomes()
				.stream()
				.filter(this::duringRestart)
				.mapToLong((outcome) -> outcome.end() - outcome.start())
				.max()
				.orElse(0);
			return String.format("%d requests, %d failed (%d answered 502), longest %d ms, longest overlapping a "
					+ "restart %d ms", run.outcomes().size(), run.failures().size(), status502,
					TimeUnit.NANOSECONDS.toMillis(longest), TimeUnit.NANOSECONDS.toMillis(longestDuringRestart));
		}

		private boolean duringRestart(Outcome outcome) {
			return this.windows.stream().anyMatch((window) -> outcome.start() < window[1] && outcome.end() > window[0]);
		}

		String diagnostics(Run run) {
			String failures = run.failures()
				.stream()
				.limit(20)
				.map(Outcome::failure)
				.collect(Collectors.joining("\n"));
			return failures + "\nnginx:\n" + this.nginx.errorLog();
		}

	}

}
