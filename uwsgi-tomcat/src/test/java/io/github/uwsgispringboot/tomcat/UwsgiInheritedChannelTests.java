package io.github.uwsgispringboot.tomcat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.apache.catalina.LifecycleException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@code useInheritedChannel}: the connector serves on the listening socket a process
 * was started with on standard input, as systemd passes it with {@code StandardInput=socket}. The
 * socket is made by Debian's {@code systemd-socket-activate}, the real tool: with {@code --inetd}
 * it puts it on standard input (and output) of {@link InheritedChannelServer}, in a JVM of its own.
 * For a restart, {@code scripts/lib/supervise.sh} holds the socket and passes it on standard input
 * to each run ({@code SUPERVISE_STDIN=socket}), as systemd would.
 */
class UwsgiInheritedChannelTests {

	private static final Path SUPERVISOR = Path.of("..", "scripts", "lib", "supervise.sh").toAbsolutePath().normalize();

	private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

	@TempDir(cleanup = CleanupMode.ON_SUCCESS)
	private Path dir;

	private final List<Process> processes = new ArrayList<>();

	@BeforeEach
	void activator() {
		assumeThat(Path.of("/usr/bin/systemd-socket-activate")).as("systemd-socket-activate (Debian's systemd)")
			.isExecutable();
	}

	@AfterEach
	void stop() throws InterruptedException {
		for (Process process : this.processes) {
			process.descendants().forEach(ProcessHandle::destroy);
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.descendants().forEach(ProcessHandle::destroyForcibly);
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void servesOnATcpSocketOnStandardInput() throws Exception {
		int port = freePort();
		Process server = start(List.of("/usr/bin/systemd-socket-activate", "-l", "127.0.0.1:" + port, "--inetd"),
				serverCommand());
		awaitLog("Listening on 127.0.0.1:" + port, server);
		SocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
		// the first connection makes systemd-socket-activate start the JVM: it waits in the queue
		String reply = exchange(address, "/pid");
		assertThat(reply).startsWith("HTTP/1.1 200 ").endsWith("pid=" + server.pid());
		assertThat(exchange(address, "/")).startsWith("HTTP/1.1 200 ").contains("remote=127.0.0.1");
		assertThat(log()).contains("listening, pid " + server.pid() + ", transport tcp, port " + port);
		stopGracefully(server);
		assertThat(log()).contains("stopped").doesNotContain("Exception");
	}

	@Test
	void servesOnAUnixSocketOnStandardInputAndLeavesItsFile() throws Exception {
		Path socket = this.dir.resolve("uwsgi.sock");
		Process server = start(List.of("/usr/bin/systemd-socket-activate", "-l", socket.toString(), "--inetd"),
				serverCommand());
		awaitLog("Listening on " + socket, server);
		SocketAddress address = UnixDomainSocketAddress.of(socket);
		assertThat(exchange(address, "/pid")).startsWith("HTTP/1.1 200 ").endsWith("pid=" + server.pid());
		assertThat(log()).contains("listening, pid " + server.pid() + ", transport unix");
		stopGracefully(server);
		assertThat(log()).contains("stopped").doesNotContain("Exception");
		assertThat(socket).as("the socket file, the service manager's to remove").exists();
	}

	@Test
	void theAccessPolicyAppliesOnTheInheritedSocket() throws Exception {
		int port = freePort();
		List<String> command = new ArrayList<>(serverCommand());
		command.add(1, "-DallowedClients=192.0.2.0/24");
		Process server = start(List.of("/usr/bin/systemd-socket-activate", "-l", "127.0.0.1:" + port, "--inetd"),
				command);
		awaitLog("Listening on 127.0.0.1:" + port, server);
		assertThat(exchange(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), "/pid"))
			.startsWith("HTTP/1.1 403 ");
	}

	@Test
	void tlsAppliesOnTheInheritedSocket() throws Exception {
		Path directory = Files.createDirectory(this.dir.resolve("certificates"));
		TestCertificates certificates = new TestCertificates(directory);
		int port = freePort();
		List<String> command = new ArrayList<>(serverCommand());
		command.add(1, "-Dcertificates=" + directory);
		Process server = start(List.of("/usr/bin/systemd-socket-activate", "-l", "127.0.0.1:" + port, "--inetd"),
				command);
		awaitLog("Listening on 127.0.0.1:" + port, server);
		assertThat(tlsExchange(certificates.clientContext(true), port)).startsWith("HTTP/1.1 200 ")
			.endsWith("pid=" + server.pid());
		assertThatExceptionOfType(IOException.class)
			.isThrownBy(() -> tlsExchange(certificates.clientContext(false), port));
	}

	@Test
	void refusesAnUnprotectedSocketBoundBeyondLoopback() throws Exception {
		int port = freePort();
		// a bare ListenStream=PORT listens on every address
		Process server = start(List.of("/usr/bin/systemd-socket-activate", "-l", Integer.toString(port), "--inetd"),
				serverCommand());
		awaitLog("Listening on ", server);
		try (SocketChannel starter = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
			assertThat(server.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		assertThat(server.exitValue()).isEqualTo(1);
		assertThat(log()).containsPattern("The uwsgi connector would listen on (0\\.0\\.0\\.0|::|0:0:0:0:0:0:0:0) \\(the "
				+ "socket inherited on fd 0 \\(standard input\\)\\) with no protection").doesNotContain("listening, pid");
	}

	@Test
	void aRestartLeavesTheQueuedConnectionsToTheNextProcessOverTcp() throws Exception {
		int port = freePort();
		restartLeavesTheQueue("127.0.0.1:" + port, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
	}

	@Test
	void aRestartLeavesTheQueuedConnectionsToTheNextProcessOverAUnixSocket() throws Exception {
		Path socket = this.dir.resolve("uwsgi.sock");
		restartLeavesTheQueue(socket.toString(), UnixDomainSocketAddress.of(socket), 1);
		assertThat(socket).exists();
	}

	@Test
	void aPausedAcceptorTakesNoConnectionOverTcp() throws Exception {
		int port = freePort();
		restartLeavesTheQueue("127.0.0.1:" + port, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), -1);
	}

	@Test
	void aPausedAcceptorTakesNoConnectionOverAUnixSocket() throws Exception {
		Path socket = this.dir.resolve("uwsgi.sock");
		restartLeavesTheQueue(socket.toString(), UnixDomainSocketAddress.of(socket), -1);
	}

	/**
	 * A request is in flight when the first run is told to stop, and once it has paused, one more
	 * connection arrives. With {@code maxConnections=1} two more connections wait in the socket's
	 * queue before the stop (the acceptor waits for a free slot); without a limit the acceptor
	 * waits for a connection when it is paused. The first run finishes its request and exits
	 * without touching the queue: the second run serves the others.
	 */
	private void restartLeavesTheQueue(String listen, SocketAddress address, int maxConnections) throws Exception {
		List<String> activate = new ArrayList<>(List.of("/usr/bin/systemd-socket-activate", "-l", listen, "-E",
				"SUPERVISE_STDIN", "/bin/sh", SUPERVISOR.toString(), this.dir.resolve("run").toString()));
		List<String> command = new ArrayList<>(serverCommand());
		command.add(1, "-DmaxConnections=" + maxConnections);
		Process activator = start(activate, command);
		awaitLog("Listening on ", activator);
		assertThat(exchange(address, "/pid")).startsWith("HTTP/1.1 200 ");
		Path firstLog = this.dir.resolve("run.1.log");
		String firstPid = pid(awaitLog(firstLog, "listening, pid ", activator));
		CompletableFuture<String> inFlight = send(address, "/pid?sleep=1500");
		Thread.sleep(300);
		List<CompletableFuture<String>> queued = new ArrayList<>();
		if (maxConnections == 1) {
			queued.add(send(address, "/pid"));
			queued.add(send(address, "/pid"));
			Thread.sleep(300);
		}
		signal(activator, "HUP");
		awaitLog(firstLog, "paused", activator);
		queued.add(send(address, "/pid"));
		String secondPid = pid(awaitLog(this.dir.resolve("run.2.log"), "listening, pid ", activator));
		assertThat(inFlight.get(30, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 ").endsWith("pid=" + firstPid);
		for (CompletableFuture<String> reply : queued) {
			assertThat(reply.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 ")
				.endsWith("pid=" + secondPid);
		}
		assertThat(Files.readString(firstLog)).contains("stopped").doesNotContain("Exception");
	}

	@Test
	void failsToStartWithoutAListeningSocketOnStandardInput() throws IOException {
		// standard input of the test JVM is a pipe
		UwsgiTomcat server = new UwsgiTomcat((connector) -> connector.setProperty("useInheritedChannel", "true"));
		server.connector.setThrowOnFailure(true);
		try {
			assertThatExceptionOfType(LifecycleException.class).isThrownBy(server::start)
				.havingRootCause()
				.withMessageContaining("useInheritedChannel, but standard input (descriptor 0) is not a socket")
				.withMessageContaining("StandardInput=socket");
		}
		finally {
			try {
				server.close();
			}
			catch (LifecycleException ex) {
				// the connector never started
			}
		}
	}

	private List<String> serverCommand() {
		return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
				InheritedChannelServer.class.getName());
	}

	private Process start(List<String> launcher, List<String> command) throws IOException {
		List<String> all = new ArrayList<>(launcher);
		all.addAll(command);
		ProcessBuilder builder = new ProcessBuilder(all);
		builder.environment().put("SUPERVISE_STDIN", "socket");
		Process process = builder.redirectErrorStream(true).redirectOutput(this.dir.resolve("server.log").toFile()).start();
		this.processes.add(process);
		return process;
	}

	private String log() throws IOException {
		return Files.readString(this.dir.resolve("server.log"), StandardCharsets.ISO_8859_1);
	}

	private String awaitLog(String text, Process process) throws Exception {
		return awaitLog(this.dir.resolve("server.log"), text, process);
	}

	/** Wait for a line with {@code text} in {@code log}, and return it. */
	private static String awaitLog(Path log, String text, Process process) throws Exception {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (Files.exists(log)) {
				for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
					if (line.contains(text)) {
						return line;
					}
				}
			}
			assertThat(process.isAlive()).as("%s alive", process.pid()).isTrue();
			Thread.sleep(20);
		}
		throw new AssertionError("no '" + text + "' in " + log);
	}

	private static String pid(String listeningLine) {
		return listeningLine.replaceAll(".*listening, pid (\\d+),.*", "$1");
	}

	private static void stopGracefully(Process process) throws InterruptedException {
		process.destroy();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
	}

	/** Send a signal to the supervisor that systemd-socket-activate has become. */
	private static void signal(Process process, String signal) throws Exception {
		assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor()).isZero();
	}

	private static CompletableFuture<String> send(SocketAddress address, String uri) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				return exchange(address, uri);
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

	/** Send a GET and read the whole response, until the connector closes the connection. */
	private static String exchange(SocketAddress address, String uri) throws IOException {
		String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
		String query = uri.contains("?") ? uri.substring(uri.indexOf('?') + 1) : "";
		try (SocketChannel channel = SocketChannel
			.open((address instanceof UnixDomainSocketAddress) ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET)) {
			channel.connect(address);
			channel.write(ByteBuffer.wrap(UwsgiPackets.request("REQUEST_METHOD", "GET", "REQUEST_URI", uri, "PATH_INFO",
					path, "QUERY_STRING", query, "SERVER_PROTOCOL", "HTTP/1.1", "REMOTE_ADDR", "127.0.0.1")));
			ByteArrayOutputStream received = new ByteArrayOutputStream();
			ByteBuffer buffer = ByteBuffer.allocate(8192);
			while (channel.read(buffer) != -1) {
				received.write(buffer.array(), 0, buffer.position());
				buffer.clear();
			}
			return received.toString(StandardCharsets.ISO_8859_1);
		}
	}

	/** Send a GET over TLS and read the response; the first one waits for the JVM to start. */
	private static String tlsExchange(SSLContext context, int port) throws IOException {
		try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
			.createSocket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout((int) START_TIMEOUT.toMillis());
			socket.startHandshake();
			socket.getOutputStream()
				.write(UwsgiPackets.request("REQUEST_METHOD", "GET", "REQUEST_URI", "/pid", "PATH_INFO", "/pid",
						"SERVER_PROTOCOL", "HTTP/1.1", "HTTPS", "on"));
			socket.getOutputStream().flush();
			String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
			if (reply.isEmpty()) {
				throw new IOException("closed without a response");
			}
			return reply;
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
