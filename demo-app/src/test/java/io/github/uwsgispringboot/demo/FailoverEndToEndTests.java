package io.github.uwsgispringboot.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import static io.github.uwsgispringboot.demo.EndToEnd.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of the demo application, each its own JVM, behind one nginx that balances over
 * them ({@code demo-app/nginx/failover.conf}), under a continuous load of POST requests while one
 * instance stops. nginx passes a request it could not deliver to the other instance, but never a
 * POST it has already sent: every request a stop loses reaches a client as a 502.
 * <ul>
 * <li>a graceful stop over unix sockets loses nothing;
 * <li>a graceful stop over TCP loses at most the connections the kernel had queued for the
 * instance when its port closed: measured, not zero;
 * <li>taken out of the upstream first, an instance stops over TCP without a loss;
 * <li>a hard kill loses only requests in flight while the instance died: those it was serving and
 * those sent to it until the kernel had torn it down.
 * </ul>
 * Each test prints one {@code [failover]} line with its numbers (in surefire's output file).
 */
class FailoverEndToEndTests {

	/** Concurrent clients, each with one request outstanding at a time. */
	private static final int CLIENTS = 8;

	/** Answered requests before the stop: both instances are warm, not answering their first. */
	private static final int WARM_UP_REQUESTS = 100;

	private static final Duration LOAD_BEFORE_STOP = Duration.ofSeconds(1);

	private static final Duration LOAD_AFTER_STOP = Duration.ofMillis(1500);

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

	private static final List<Body> BODIES = bodies(16, 10 * 1024, 64 * 1024);

	/** How a request that got no HTTP response at all is recorded. */
	private static final String NO_RESPONSE = "no response: ";

	/** nginx could not connect: it passes the request on to the other instance. */
	private static final Pattern FAILED_CONNECT = Pattern.compile("connect\\(\\) (to \\S+ )?failed");

	/** The connection failed after nginx had sent the request: a POST is answered 502. */
	private static final Pattern FAILED_AFTER_SENDING = Pattern
		.compile("((recv|send|writev|readv)\\(\\) failed|upstream prematurely closed)[^\\n]*upstream");

	private static final Pattern NGINX_CONFIG_ARGUMENT = Pattern.compile(" -c ([^\\s\\x00]+)");

	private static final JsonMapper json = new JsonMapper();

	private final List<DemoInstance> instances = new ArrayList<>();

	/** The instances' sockets and logs, kept when a test fails. */
	@TempDir(cleanup = CleanupMode.ON_SUCCESS)
	private Path dir;

	private Nginx nginx;

	private DemoInstance a;

	private DemoInstance b;

	@BeforeEach
	void startTwoInstancesBehindNginx() throws Exception {
		// nginx's workers run as nobody when the tests run as root: they must reach the sockets
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		this.a = start("a");
		this.b = start("b");
		this.a.awaitListening(Duration.ofSeconds(60));
		this.b.awaitListening(Duration.ofSeconds(60));
		this.nginx = Nginx.start(Path.of("nginx"), List.of("failover.conf"),
				Map.of("@SOCKET_A@", this.a.socket().toString(), "@SOCKET_B@", this.b.socket().toString(),
						"@PORT_A@", Integer.toString(this.a.port()), "@PORT_B@", Integer.toString(this.b.port())),
				"@HTTP_PORT_UNIX@", "@HTTP_PORT_TCP@");
	}

	private DemoInstance start(String name) throws IOException {
		DemoInstance instance = DemoInstance.start(name, this.dir);
		this.instances.add(instance);
		return instance;
	}

	@AfterEach
	void stopEverything() throws Exception {
		try {
			if (this.nginx != null) {
				this.nginx.close();
			}
		}
		finally {
			for (DemoInstance instance : this.instances) {
				instance.close();
			}
		}
	}

	@Test
	void gracefulStopOverUnixSocketsLosesNoRequest() throws Exception {
		Run run = underLoad("@HTTP_PORT_UNIX@", this.a::stopGracefully);
		report("unix sockets, graceful stop", run);
		assertThat(this.a.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
		assertThat(run.failures()).as(diagnostics(run)).isEmpty();
		assertThat(this.a.servedRequests()).as("requests a answered").isPositive();
		assertThat(run.succeededAfterStop()).as("requests b answered after a had stopped").isGreaterThan(CLIENTS);
	}

	@Test
	void gracefulStopOverTcpLosesAtMostTheConnectionsQueuedForTheInstance() throws Exception {
		Run run = underLoad("@HTTP_PORT_TCP@", this.a::stopGracefully);
		report("TCP, graceful stop", run);
		assertThat(this.a.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
		// each client has one request outstanding: no more than CLIENTS can be lost, and only
		// requests sent before the port closed
		assertThat(run.failures()).as(diagnostics(run))
			.hasSizeLessThanOrEqualTo(CLIENTS)
			.allSatisfy((failure) -> assertThat(failure.start()).isLessThan(run.stopped()))
			.allSatisfy((failure) -> assertThat(failure.failure()).isEqualTo("status 502"));
		assertThat(run.succeededAfterStop()).as("requests b answered after a had stopped").isGreaterThan(CLIENTS);
	}

	@Test
	void takenOutOfTheUpstreamFirstAnInstanceStopsOverTcpWithoutALoss() throws Exception {
		AtomicLong servedWhenOut = new AtomicLong();
		AtomicLong reloaded = new AtomicLong();
		Run run = underLoad("@HTTP_PORT_TCP@", () -> {
			takeOutOfUpstream(this.a);
			reloaded.set(System.nanoTime());
			servedWhenOut.set(this.a.settledServedRequests());
			this.a.stopGracefully();
		});
		report("TCP, out of the upstream (down, reload), then graceful stop", run);
		assertThat(this.nginx.errorLog()).as("requests nginx could not pass on")
			.doesNotContainPattern(FAILED_AFTER_SENDING);
		// the reload itself closes the client connections that are idle at that moment: a request
		// sent on one just then gets no answer from nginx, and never reached an instance
		assertThat(run.failures()).as(diagnostics(run))
			.hasSizeLessThanOrEqualTo(CLIENTS)
			.allSatisfy((failure) -> assertThat(failure.failure()).startsWith(NO_RESPONSE))
			.allSatisfy((failure) -> assertThat(failure.end()).isLessThan(reloaded.get()));
		assertThat(this.a.servedRequests()).as("requests a answered once out of the upstream")
			.isEqualTo(servedWhenOut.get());
		assertThat(run.succeededAfterStop()).as("requests b answered after a had stopped").isGreaterThan(CLIENTS);
	}

	@Test
	void hardKillLosesOnlyTheRequestsInFlightWhenTheInstanceDied() throws Exception {
		Run run = underLoad("@HTTP_PORT_UNIX@", this.a::kill);
		report("unix sockets, hard kill", run);
		assertThat(run.failures()).as(diagnostics(run))
			.hasSizeLessThanOrEqualTo(CLIENTS)
			.allSatisfy((failure) -> assertThat(run.inFlightDuringStop()).contains(failure))
			.allSatisfy((failure) -> assertThat(failure.failure()).isEqualTo("status 502"));
		assertThat(run.succeededAfterStop()).as("requests b answered after a was killed").isGreaterThan(CLIENTS);
	}

	/**
	 * Drive the load through the nginx server on {@code portPlaceholder}, stop instance a in the
	 * middle, keep the load on for a while, then collect every request's outcome.
	 */
	private Run underLoad(String portPlaceholder, Stop stop) throws Exception {
		try (Load load = new Load(this.nginx.uri(portPlaceholder, "http", "/sha256"))) {
			load.awaitSucceeded(WARM_UP_REQUESTS, Duration.ofSeconds(30));
			Thread.sleep(LOAD_BEFORE_STOP.toMillis());
			long stopping = System.nanoTime();
			stop.run();
			long stopped = System.nanoTime();
			Thread.sleep(LOAD_AFTER_STOP.toMillis());
			return new Run(load.finish(), stopping, stopped);
		}
	}

	/**
	 * What an operator does before stopping an instance on TCP: mark it {@code down} in the
	 * upstream and reload nginx. Returns when the workers that knew it as up have exited.
	 */
	private void takeOutOfUpstream(DemoInstance instance) throws Exception {
		ProcessHandle master = ProcessHandle.current()
			.children()
			.filter((child) -> child.info().command().orElse("").endsWith("/nginx"))
			.findFirst()
			.orElseThrow();
		// nginx rewrote its command line into "nginx: master process /usr/sbin/nginx ... -c CONFIG"
		Matcher configArgument = NGINX_CONFIG_ARGUMENT
			.matcher(Files.readString(Path.of("/proc", Long.toString(master.pid()), "cmdline")));
		assertThat(configArgument.find()).as("nginx's -c argument").isTrue();
		Path config = Path.of(configArgument.group(1));
		String server = "server 127.0.0.1:" + instance.port() + " ";
		Files.writeString(config, Files.readString(config).replace(server, server + "down "));
		Set<Long> workersBefore = master.children().map(ProcessHandle::pid).collect(Collectors.toSet());
		Path runDir = config.getParent();
		Process reload = new ProcessBuilder(master.info().command().orElseThrow(), "-e", "stderr", "-p",
				runDir.toString(), "-c", config.toString(), "-s", "reload")
			.redirectErrorStream(true)
			.redirectOutput(runDir.resolve("reload.log").toFile())
			.start();
		assertThat(reload.waitFor(10, TimeUnit.SECONDS) && reload.exitValue() == 0)
			.as(() -> "nginx -s reload: " + readQuietly(runDir.resolve("reload.log")))
			.isTrue();
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (master.children().anyMatch((worker) -> workersBefore.contains(worker.pid()))) {
			assertThat(System.nanoTime()).as("nginx reloaded").isLessThan(deadline);
			Thread.sleep(20);
		}
	}

	private static String readQuietly(Path file) {
		try {
			return Files.readString(file, StandardCharsets.ISO_8859_1);
		}
		catch (IOException ex) {
			return ex.toString();
		}
	}

	private void report(String scenario, Run run) throws IOException {
		String errors = this.nginx.errorLog();
		System.out.printf("[failover] %s of a: %d requests, %d failed, %d answered after the stop (which took %d ms);"
				+ " a answered %d, b %d; nginx: %d connect() failed and passed on, %d failed after sending%n",
				scenario, run.outcomes().size(), run.failures().size(), run.succeededAfterStop(),
				TimeUnit.NANOSECONDS.toMillis(run.stopped() - run.stopping()), this.a.servedRequests(),
				this.b.servedRequests(), count(errors, FAILED_CONNECT), count(errors, FAILED_AFTER_SENDING));
	}

	private static long count(String log, Pattern pattern) {
		return pattern.matcher(log).results().count();
	}

	/**
	 * The failed requests with their times from the start of the stop, nginx's upstream errors and
	 * the end of instance a's log.
	 */
	private String diagnostics(Run run) throws IOException {
		String failures = run.failures()
			.stream()
			.map((failure) -> String.format("%+d..%+d ms: %s", millisSinceStop(run, failure.start()),
					millisSinceStop(run, failure.end()), failure.failure()))
			.collect(Collectors.joining("\n"));
		String upstreamErrors = this.nginx.errorLog()
			.lines()
			.filter((line) -> line.contains("upstream") && !line.contains("buffered to a temporary file"))
			.collect(Collectors.joining("\n"));
		String log = this.a.log();
		return "failed requests (the stop took " + millisSinceStop(run, run.stopped()) + " ms):\n" + failures
				+ "\nnginx:\n" + upstreamErrors + "\ninstance a:\n" + log.substring(Math.max(0, log.length() - 8000));
	}

	private static long millisSinceStop(Run run, long nanoTime) {
		return TimeUnit.NANOSECONDS.toMillis(nanoTime - run.stopping());
	}

	private static List<Body> bodies(int count, int minSize, int maxSize) {
		Random random = new Random(42);
		List<Body> bodies = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			byte[] bytes = new byte[minSize + random.nextInt(maxSize - minSize + 1)];
			random.nextBytes(bytes);
			bodies.add(new Body(bytes, sha256(bytes)));
		}
		return List.copyOf(bodies);
	}

	/** A request body and the digest the application must answer for it. */
	private record Body(byte[] bytes, String sha256) {
	}

	/** One request: when it started and ended ({@link System#nanoTime()}), and why it failed. */
	private record Outcome(long start, long end, String failure) {

		boolean failed() {
			return this.failure != null;
		}

	}

	/** Every request of a run, and when the stop began and ended. */
	private record Run(List<Outcome> outcomes, long stopping, long stopped) {

		List<Outcome> failures() {
			return this.outcomes.stream().filter(Outcome::failed).toList();
		}

		/** The requests outstanding at some time between the start and the end of the stop. */
		List<Outcome> inFlightDuringStop() {
			return this.outcomes.stream()
				.filter((outcome) -> outcome.start() < this.stopped && outcome.end() > this.stopping)
				.toList();
		}

		long succeededAfterStop() {
			return this.outcomes.stream()
				.filter((outcome) -> !outcome.failed() && outcome.start() > this.stopped)
				.count();
		}

	}

	@FunctionalInterface
	private interface Stop {

		void run() throws Exception;

	}

	/**
	 * {@value #CLIENTS} clients sending POST /sha256 back to back, each checking status and digest.
	 */
	private static final class Load implements AutoCloseable {

		private final HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(REQUEST_TIMEOUT)
			.build();

		private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);

		private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

		private final URI uri;

		private volatile boolean running = true;

		Load(URI uri) {
			this.uri = uri;
			for (int i = 0; i < CLIENTS; i++) {
				this.clients.execute(this::sendUntilFinished);
			}
		}

		private void sendUntilFinished() {
			while (this.running) {
				Body body = BODIES.get(ThreadLocalRandom.current().nextInt(BODIES.size()));
				long start = System.nanoTime();
				String failure = send(body);
				this.outcomes.add(new Outcome(start, System.nanoTime(), failure));
			}
		}

		/**
		 * Send one request; return {@code null} when it was answered correctly, else what went wrong.
		 */
		private String send(Body body) {
			HttpRequest request = HttpRequest.newBuilder(this.uri)
				.timeout(REQUEST_TIMEOUT)
				.header("Content-Type", "application/octet-stream")
				.POST(BodyPublishers.ofByteArray(body.bytes()))
				.build();
			try {
				HttpResponse<String> response = this.client.send(request, BodyHandlers.ofString());
				if (response.statusCode() != 200) {
					return "status " + response.statusCode();
				}
				Map<?, ?> answer = json.readValue(response.body(), Map.class);
				if (!body.sha256().equals(answer.get("sha256"))
						|| !Integer.valueOf(body.bytes().length).equals(answer.get("length"))) {
					return "wrong answer " + response.body();
				}
				return null;
			}
			catch (IOException ex) {
				return NO_RESPONSE + ex;
			}
			catch (RuntimeException ex) {
				return ex.toString();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return ex.toString();
			}
		}

		void awaitSucceeded(int count, Duration timeout) throws InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (this.outcomes.stream().filter((outcome) -> !outcome.failed()).count() < count) {
				assertThat(System.nanoTime()).as("%d requests answered within %s", count, timeout).isLessThan(deadline);
				Thread.sleep(50);
			}
		}

		List<Outcome> finish() throws InterruptedException {
			this.running = false;
			this.clients.shutdown();
			assertThat(this.clients.awaitTermination(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS))
				.as("clients finished").isTrue();
			return List.copyOf(this.outcomes);
		}

		@Override
		public void close() {
			this.running = false;
			this.clients.shutdownNow();
		}

	}

	/**
	 * The demo application in a JVM of its own, on an ephemeral TCP port and a unix socket, with
	 * its output (and access log) in a file.
	 */
	private static final class DemoInstance implements AutoCloseable {

		private static final Pattern LISTENING = Pattern.compile("uwsgi server listening on 127\\.0\\.0\\.1:(\\d+)");

		private static final Pattern ANSWERED = Pattern.compile("\"POST /sha256 [^\"]*\" 200 ");

		private final Path socket;

		private final Path log;

		private final Process process;

		private int port;

		private DemoInstance(Path socket, Path log, Process process) {
			this.socket = socket;
			this.log = log;
			this.process = process;
		}

		static DemoInstance start(String name, Path dir) throws IOException {
			Path socket = dir.resolve(name + ".sock");
			Path log = dir.resolve(name + ".log");
			Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
					System.getProperty("java.class.path"), DemoApplication.class.getName(), "--server.port=0",
					"--server.address=127.0.0.1", "--uwsgi.port=0", "--uwsgi.unix-socket.path=" + socket,
					"--uwsgi.access-log.enabled=true", "--spring.main.banner-mode=off")
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			return new DemoInstance(socket, log, process);
		}

		void awaitListening(Duration timeout) throws IOException, InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (System.nanoTime() < deadline) {
				Matcher listening = LISTENING.matcher(log());
				if (listening.find()) {
					this.port = Integer.parseInt(listening.group(1));
					return;
				}
				if (!this.process.isAlive()) {
					break;
				}
				Thread.sleep(100);
			}
			throw new IllegalStateException("instance did not start listening:\n" + log());
		}

		Path socket() {
			return this.socket;
		}

		int port() {
			return this.port;
		}

		/** SIGTERM: Spring Boot's graceful shutdown. Returns when the JVM has exited. */
		void stopGracefully() throws InterruptedException {
			this.process.destroy();
			assertThat(this.process.waitFor(40, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
		}

		/** SIGKILL. Returns when the process is gone. */
		void kill() throws InterruptedException {
			this.process.destroyForcibly();
			assertThat(this.process.waitFor(10, TimeUnit.SECONDS)).as("gone after SIGKILL").isTrue();
		}

		int exitValue() {
			return this.process.exitValue();
		}

		String log() throws IOException {
			return Files.readString(this.log, StandardCharsets.ISO_8859_1);
		}

		/** Requests the access log shows as answered. */
		long servedRequests() throws IOException {
			return count(log(), ANSWERED);
		}

		/**
		 * Requests the access log shows as answered once no more lines arrive: the line of a
		 * request is written as its exchange completes, a moment after nginx got the response.
		 */
		long settledServedRequests() throws IOException, InterruptedException {
			long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
			long served = servedRequests();
			while (System.nanoTime() < deadline) {
				Thread.sleep(200);
				long now = servedRequests();
				if (now == served) {
					return served;
				}
				served = now;
			}
			return served;
		}

		@Override
		public void close() throws InterruptedException {
			if (this.process.isAlive()) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}

	}

}
