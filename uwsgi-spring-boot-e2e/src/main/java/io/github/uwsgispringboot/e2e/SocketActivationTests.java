package io.github.uwsgispringboot.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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

import io.github.uwsgispringboot.e2e.Failover.Outcome;
import io.github.uwsgispringboot.e2e.Failover.Run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A demo application started as systemd starts a socket-activated service, behind nginx. The
 * sockets (a TCP port and a unix socket) are made by Debian's {@code systemd-socket-activate}, the
 * real tool, which starts the application on the first connection. For restarts it starts
 * {@code scripts/lib/supervise.sh} instead, a small service manager that keeps the sockets and
 * starts the application again on each restart, passing them as systemd does. Under a load of
 * POSTs over both transports at once the application is restarted 3 times (more with
 * {@code -Duwsgi.restarts=N}): not a request may fail. {@code scripts/restart.sh} runs the long
 * version and the comparison without inherited sockets ({@code -Duwsgi.restart.compare=true}).
 * <p>
 * An application whose {@link #socketOnStandardInput() socket is on standard input} (Spring MVC on
 * Tomcat: the JDK adopts descriptor 0 only) takes one socket, as systemd's
 * {@code StandardInput=socket} passes one: it runs twice, one process on the TCP socket and one on
 * the unix socket, each with its own socket unit, and both are restarted together.
 */
public abstract class SocketActivationTests {

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

	/**
	 * Return the application's main class.
	 * @return the class
	 */
	protected abstract Class<?> application();

	/**
	 * Return whether the application takes its socket on standard input, one socket per process,
	 * as systemd passes it with {@code StandardInput=socket}; otherwise it takes them from
	 * descriptor 3 on, as systemd passes them by default ({@code LISTEN_FDS}).
	 * @return {@code true} for standard input
	 */
	protected boolean socketOnStandardInput() {
		return false;
	}

	/**
	 * Return the start-up lines the application logs on the sockets passed in.
	 * @param port the TCP socket's port, on 127.0.0.1
	 * @param socket the unix socket's path
	 * @return the lines, or the part of them that names the listeners
	 */
	protected abstract List<String> expectedListeningLines(int port, Path socket);

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
	public void startsOnTheSocketsSystemdSocketActivatePasses() throws Exception {
		List<Process> activators = new ArrayList<>();
		List<String> logs = new ArrayList<>();
		for (List<String> listen : socketUnits()) {
			String name = socketOnStandardInput() ? "app-" + unitName(listen) : "app";
			List<String> activate = new ArrayList<>(listen);
			if (socketOnStandardInput()) {
				// as StandardInput=socket: the socket on standard input, and on standard output (the
				// application logs to its file)
				activate.add("--inetd");
			}
			activate.addAll(javaCommand(name + ".log"));
			activators.add(activate(activate));
			logs.add(name + ".log");
		}
		this.nginx = Nginx.start(this.socket, this.port);
		// the first connection makes systemd-socket-activate start the application: the request
		// waits in the accept queue while the JVM starts (sent directly: on a loaded machine the start
		// can outlast nginx's 60 s read timeout)
		assertThat(directGet(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), "/hello"))
			.startsWith("HTTP/1.1 200 ");
		assertThat(directGet(UnixDomainSocketAddress.of(this.socket), "/hello")).startsWith("HTTP/1.1 200 ");
		assertThat(get(Transport.TCP)).isEqualTo(200);
		assertThat(get(Transport.UNIX_SOCKET)).isEqualTo(200);
		StringBuilder log = new StringBuilder();
		for (String name : logs) {
			log.append(log(this.dir.resolve(name)));
		}
		assertThat(log).contains(expectedListeningLines(this.port, this.socket));
		assertThat(log).contains("the service manager owns them, so these settings are not used: "
				+ "uwsgi.address=127.0.0.1, uwsgi.port=3031");
		for (Process activator : activators) {
			terminate(activator);
		}
		assertThat(this.socket).as("socket file, systemd-socket-activate's to remove").exists();
	}

	@Test
	public void restartsOnInheritedSocketsLoseNoRequest() throws Exception {
		List<Supervised> supervised = new ArrayList<>();
		for (List<String> listen : socketUnits()) {
			String name = socketOnStandardInput() ? "app-" + unitName(listen) : "app";
			List<String> activate = new ArrayList<>(listen);
			activate.addAll(supervised(name, javaCommand(name + ".log")));
			supervised.add(new Supervised(activate(activate), this.dir.resolve(name)));
		}
		Restarts restarts = underLoadWithRestarts(supervised, true);
		restarts.report("inherited sockets, " + MODE);
		assertThat(restarts.tcp().failures()).as(restarts.diagnostics(restarts.tcp())).isEmpty();
		assertThat(restarts.unix().failures()).as(restarts.diagnostics(restarts.unix())).isEmpty();
		assertThat(this.nginx.errorLog()).doesNotContain("no live upstreams")
			.doesNotContainPattern(Failover.FAILED_AFTER_SENDING);
	}

	@Test
	@EnabledIfSystemProperty(named = "uwsgi.restart.compare", matches = "true")
	public void restartsWithoutInheritedSocketsForComparison() throws Exception {
		List<String> command = javaCommand("app.log");
		command.addAll(List.of("--uwsgi.inherited-sockets=ignore", "--uwsgi.port=" + this.port,
				"--uwsgi.unix-socket.path=" + this.socket, "--uwsgi.unix-socket.permissions=666"));
		Process supervisor = start(supervised("app", command));
		Restarts restarts = underLoadWithRestarts(List.of(new Supervised(supervisor, this.dir.resolve("app"))), false);
		restarts.report("sockets bound by each run, " + MODE);
	}

	/**
	 * Return the {@code systemd-socket-activate} options of each socket unit, as systemd would
	 * make them for a {@code .socket} unit with {@code ListenStream=127.0.0.1:PORT},
	 * {@code ListenStream=SOCKET}, {@code SocketMode=0666} and {@code FileDescriptorName=uwsgi}:
	 * one unit with both sockets, or one unit per socket for an application that takes its socket
	 * on standard input.
	 */
	private List<List<String>> socketUnits() {
		String tcp = "127.0.0.1:" + this.port;
		List<String> environment = List.of("-E", "SUPERVISE_MODE", "-E", "SUPERVISE_STDIN");
		List<List<String>> units = new ArrayList<>();
		if (socketOnStandardInput()) {
			for (String listen : List.of(tcp, this.socket.toString())) {
				List<String> unit = new ArrayList<>(List.of("/usr/bin/systemd-socket-activate", "-l", listen));
				unit.addAll(environment);
				units.add(unit);
			}
		}
		else {
			List<String> unit = new ArrayList<>(List.of("/usr/bin/systemd-socket-activate", "-l", tcp, "-l",
					this.socket.toString(), "--fdname=uwsgi:uwsgi"));
			unit.addAll(environment);
			units.add(unit);
		}
		return units;
	}

	private static String unitName(List<String> unit) {
		return unit.get(2).startsWith("/") ? "unix" : "tcp";
	}

	/**
	 * Run POST loads through nginx over TCP and over the unix socket at once, and restart the
	 * application {@value #RESTARTS} times while they run (every process of it at once).
	 */
	private Restarts underLoadWithRestarts(List<Supervised> supervised, boolean activated) throws Exception {
		this.nginx = Nginx.start(this.socket, this.port);
		if (activated) {
			// the first connections make systemd-socket-activate start the supervisors
			assertThat(get(Transport.TCP)).isEqualTo(200);
			assertThat(get(Transport.UNIX_SOCKET)).isEqualTo(200);
		}
		for (Supervised one : supervised) {
			awaitLog(one.run(1), one.supervisor());
		}
		CountDownLatch restarted = new CountDownLatch(1);
		List<long[]> windows = new ArrayList<>();
		CompletableFuture<Run> unix = CompletableFuture.supplyAsync(() -> run(Transport.UNIX_SOCKET, () -> {
			assertThat(restarted.await(10L * 60, TimeUnit.SECONDS)).isTrue();
		}));
		Run tcp = Failover.underLoad(this.nginx.uri(Transport.TCP, "/sha256"), () -> {
			try {
				for (int i = 1; i <= RESTARTS; i++) {
					long start = System.nanoTime();
					for (Supervised one : supervised) {
						signal(one.supervisor(), "HUP");
					}
					for (Supervised one : supervised) {
						awaitLog(one.run(i + 1), one.supervisor());
					}
					windows.add(new long[] { start, System.nanoTime() });
					Thread.sleep(1000);
				}
			}
			finally {
				restarted.countDown();
			}
		});
		return new Restarts(tcp, unix.get(10, TimeUnit.MINUTES), windows, this.nginx);
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
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(this.nginx.uri(transport, "/")).timeout(START_TIMEOUT).build(),
					HttpResponse.BodyHandlers.discarding())
			.statusCode();
	}

	private Process activate(List<String> command) throws Exception {
		Process process = start(command);
		awaitLog(this.dir.resolve("activate.log"), "Listening on " + command.get(2), process);
		if (command.get(2).startsWith("/") || command.contains(this.socket.toString())) {
			awaitLog(this.dir.resolve("activate.log"), "Listening on " + this.socket, process);
			// systemd sets SocketMode=; systemd-socket-activate has no option for it
			Files.setPosixFilePermissions(this.socket, PosixFilePermissions.fromString("rw-rw-rw-"));
		}
		return process;
	}

	private Process start(List<String> command) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.environment().put("SUPERVISE_MODE", MODE);
		if (socketOnStandardInput()) {
			builder.environment().put("SUPERVISE_STDIN", "socket");
		}
		Process process = builder.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(this.dir.resolve("activate.log").toFile()))
			.start();
		this.processes.add(process);
		return process;
	}

	private List<String> supervised(String name, List<String> command) {
		List<String> supervised = new ArrayList<>(List.of("/bin/sh", SUPERVISOR.toString(), this.dir.resolve(name).toString()));
		supervised.addAll(command);
		return supervised;
	}

	private List<String> javaCommand(String logFile) {
		return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlogging.file.name=" + this.dir.resolve(logFile),
				"-cp", System.getProperty("java.class.path"), application().getName(), "--server.port=-1",
				"--spring.main.banner-mode=off", "--uwsgi.access-log.enabled=true"));
	}

	/**
	 * Send a uwsgi GET straight to a socket systemd-socket-activate holds, and read the whole
	 * response, waiting as long as an application start may take.
	 */
	private static String directGet(SocketAddress address, String uri) throws Exception {
		ByteArrayOutputStream vars = new ByteArrayOutputStream();
		for (String[] var : new String[][] { { "REQUEST_METHOD", "GET" }, { "REQUEST_URI", uri },
				{ "PATH_INFO", uri } }) {
			for (String part : var) {
				byte[] bytes = part.getBytes(StandardCharsets.ISO_8859_1);
				vars.write(bytes.length & 0xFF); // u16 little-endian length
				vars.write(bytes.length >> 8);
				vars.write(bytes);
			}
		}
		ByteArrayOutputStream packet = new ByteArrayOutputStream();
		packet.write(new byte[] { 0, (byte) vars.size(), (byte) (vars.size() >> 8), 0 }); // modifier1, size, modifier2
		vars.writeTo(packet);
		CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> {
			try (SocketChannel channel = SocketChannel.open((address instanceof UnixDomainSocketAddress)
					? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET)) {
				channel.connect(address);
				channel.write(ByteBuffer.wrap(packet.toByteArray()));
				ByteArrayOutputStream received = new ByteArrayOutputStream();
				ByteBuffer buffer = ByteBuffer.allocate(8192);
				while (channel.read(buffer) != -1) {
					received.write(buffer.array(), 0, buffer.position());
					buffer.clear();
				}
				return received.toString(StandardCharsets.ISO_8859_1);
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		});
		return response.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
	}

	/** Wait until the next run of the supervised application listens. */
	private static void awaitLog(Path log, Process supervisor) throws Exception {
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
		long pid = process.descendants()
			.filter((child) -> child.info().command().orElse("").endsWith("sh"))
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

	/** A supervisor and the prefix of its runs' logs. */
	private record Supervised(Process supervisor, Path logPrefix) {

		Path run(int run) {
			return this.logPrefix.resolveSibling(this.logPrefix.getFileName() + "." + run + ".log");
		}

	}

	/** The loads over both transports, and when each restart began and the next run listened. */
	private record Restarts(Run tcp, Run unix, List<long[]> windows, Nginx nginx) {

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
