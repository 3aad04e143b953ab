package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.github.uwsgispringboot.e2e.EndToEnd.accepts;
import static io.github.uwsgispringboot.e2e.EndToEnd.freePort;

/**
 * A real Apache httpd with mod_proxy_uwsgi, run in the foreground from the configuration in the
 * {@code apache/} directory of the demo application under test, in front of the application's uwsgi
 * listeners: one HTTP port passes to the unix socket, one to the TCP port.
 */
public final class Apache implements AutoCloseable {

	private static final Path CONFIG = Path.of("apache", "httpd.conf");

	/**
	 * The conventional uwsgi port, which mod_proxy_uwsgi cannot reach: it drops it from the URL as
	 * its default port and then connects to port 0 (unbit/uwsgi#2468).
	 */
	public static final int UNREACHABLE_UWSGI_PORT = 3031;

	private static final int ATTEMPTS = 5;

	private final Path runDir;

	private final Process process;

	private final int unixPort;

	private final int tcpPort;

	private Apache(Path runDir, Process process, int unixPort, int tcpPort) {
		this.runDir = runDir;
		this.process = process;
		this.unixPort = unixPort;
		this.tcpPort = tcpPort;
	}

	/**
	 * Start Apache in front of a uwsgi unix socket and TCP port.
	 */
	public static Apache start(Path uwsgiSocket, int uwsgiPort) throws IOException, InterruptedException {
		if (uwsgiPort == UNREACHABLE_UWSGI_PORT) {
			throw new IllegalArgumentException("mod_proxy_uwsgi cannot reach uwsgi port " + uwsgiPort
					+ " (it connects to port 0 instead, unbit/uwsgi#2468): listen on another port");
		}
		Path runDir = Files.createTempDirectory("apache-e2e");
		// the workers (www-data when the tests run as root) open the lock files here
		Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-xr-x"));
		for (int attempt = 1;; attempt++) {
			// Apache cannot bind port 0 and tell: take free ports and retry if one was taken meanwhile
			int unixPort = freePort();
			int tcpPort = freePort();
			Map<String, String> values = Map.of("@RUN_DIR@", runDir.toString(), "@UWSGI_SOCKET@",
					uwsgiSocket.toString(), "@UWSGI_PORT@", Integer.toString(uwsgiPort), "@HTTP_PORT_UNIX@",
					Integer.toString(unixPort), "@HTTP_PORT_TCP@", Integer.toString(tcpPort));
			String config = Files.readString(CONFIG);
			for (Map.Entry<String, String> value : values.entrySet()) {
				config = config.replace(value.getKey(), value.getValue());
			}
			Files.writeString(runDir.resolve("httpd.conf"), config);
			Files.deleteIfExists(runDir.resolve("error.log"));
			Process process = new ProcessBuilder(binary(), "-f", runDir.resolve("httpd.conf").toString(),
					"-DFOREGROUND")
				.redirectErrorStream(true)
				.redirectOutput(runDir.resolve("stdout.log").toFile())
				.start();
			Apache apache = new Apache(runDir, process, unixPort, tcpPort);
			if (apache.awaitListening(Duration.ofSeconds(15))) {
				return apache;
			}
			String errors = apache.errorLog();
			apache.close();
			if (attempt == ATTEMPTS || !errors.contains("Address already in use")) {
				throw new IllegalStateException("Apache httpd did not start:\n" + errors);
			}
		}
	}

	private static String binary() {
		for (String candidate : List.of("/usr/sbin/apache2", "/usr/local/sbin/apache2")) {
			if (Files.isExecutable(Path.of(candidate))) {
				return candidate;
			}
		}
		throw new IllegalStateException("Apache httpd is not installed: run scripts/install-peers.sh apache2");
	}

	private boolean awaitListening(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				return false;
			}
			if (accepts(this.unixPort) && accepts(this.tcpPort)) {
				return true;
			}
			Thread.sleep(50);
		}
		return false;
	}

	/**
	 * Return the URI of {@code path} at the Apache virtual host that passes to the given transport.
	 */
	public URI uri(Transport transport, String path) {
		int port = (transport == Transport.UNIX_SOCKET) ? this.unixPort : this.tcpPort;
		return URI.create("http://127.0.0.1:" + port + path);
	}

	/**
	 * Return Apache's start-up output and error log, for assertion messages and failures.
	 */
	public String errorLog() {
		return EndToEnd.logs(this.runDir, "stdout.log", "error.log");
	}

	/**
	 * Stop Apache: the parent stops its workers on SIGTERM; any worker still alive after the
	 * parent has gone is killed, so that none is left behind.
	 */
	@Override
	public void close() throws InterruptedException {
		List<ProcessHandle> workers = this.process.descendants().toList();
		this.process.destroy();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor();
		}
		for (ProcessHandle worker : workers) {
			worker.destroyForcibly();
		}
	}

}
