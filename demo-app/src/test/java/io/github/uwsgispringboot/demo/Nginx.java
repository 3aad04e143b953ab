package io.github.uwsgispringboot.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx, run from the demo app's configuration in {@code demo-app/nginx/}, in front of an
 * application's uwsgi listeners: one HTTP port passes to the unix socket, one to the TCP port.
 */
final class Nginx implements AutoCloseable {

	private static final Path CONFIG_DIR = Path.of("nginx");

	private static final List<String> TEMP_DIRS = List.of("client_body_temp", "uwsgi_temp", "proxy_temp",
			"fastcgi_temp", "scgi_temp");

	private static final int ATTEMPTS = 5;

	private final Path runDir;

	private final Process process;

	private final int unixPort;

	private final int tcpPort;

	private Nginx(Path runDir, Process process, int unixPort, int tcpPort) {
		this.runDir = runDir;
		this.process = process;
		this.unixPort = unixPort;
		this.tcpPort = tcpPort;
	}

	/**
	 * Start nginx in front of a uwsgi unix socket and TCP port.
	 */
	static Nginx start(Path uwsgiSocket, int uwsgiPort) throws IOException, InterruptedException {
		Path runDir = Files.createTempDirectory("nginx-e2e");
		Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-xr-x"));
		for (String temp : TEMP_DIRS) {
			// nginx's workers run as nobody when the tests run as root
			Files.setPosixFilePermissions(Files.createDirectory(runDir.resolve(temp)),
					PosixFilePermissions.fromString("rwxrwxrwx"));
		}
		for (int attempt = 1;; attempt++) {
			// nginx cannot bind port 0 and tell: take free ports and retry if one was taken meanwhile
			int unixPort = freePort();
			int tcpPort = freePort();
			Map<String, String> values = Map.of("@RUN_DIR@", runDir.toString(), "@UWSGI_SOCKET@",
					uwsgiSocket.toString(), "@UWSGI_PORT@", Integer.toString(uwsgiPort), "@HTTP_PORT_UNIX@",
					Integer.toString(unixPort), "@HTTP_PORT_TCP@", Integer.toString(tcpPort), "@UWSGI_PARAMS@",
					"/etc/nginx/uwsgi_params");
			for (String file : List.of("nginx.conf", "locations.conf")) {
				String config = Files.readString(CONFIG_DIR.resolve(file));
				for (Map.Entry<String, String> value : values.entrySet()) {
					config = config.replace(value.getKey(), value.getValue());
				}
				Files.writeString(runDir.resolve(file), config);
			}
			Process process = new ProcessBuilder(binary(), "-e", runDir.resolve("startup.log").toString(), "-p",
					runDir.toString(), "-c", runDir.resolve("nginx.conf").toString())
				.redirectErrorStream(true)
				.redirectOutput(runDir.resolve("stdout.log").toFile())
				.start();
			Nginx nginx = new Nginx(runDir, process, unixPort, tcpPort);
			if (nginx.awaitListening(Duration.ofSeconds(15))) {
				return nginx;
			}
			String errors = nginx.errorLog();
			nginx.close();
			if (attempt == ATTEMPTS || !errors.contains("Address already in use")) {
				throw new IllegalStateException("nginx did not start:\n" + errors);
			}
		}
	}

	private static String binary() {
		for (String candidate : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")) {
			if (Files.isExecutable(Path.of(candidate))) {
				return candidate;
			}
		}
		throw new IllegalStateException("nginx is not installed: run scripts/install-peers.sh nginx");
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
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

	private static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Return the URI of {@code path} at the nginx server that passes to the given transport.
	 */
	URI uri(Transport transport, String path) {
		int port = (transport == Transport.UNIX_SOCKET) ? this.unixPort : this.tcpPort;
		return URI.create("http://127.0.0.1:" + port + path);
	}

	/**
	 * Return nginx's error log, for assertion messages and failures.
	 */
	String errorLog() {
		StringBuilder log = new StringBuilder();
		for (String file : List.of("startup.log", "stdout.log", "error.log")) {
			Path path = this.runDir.resolve(file);
			try {
				if (Files.exists(path)) {
					log.append(Files.readString(path, StandardCharsets.ISO_8859_1));
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		return log.toString();
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor();
		}
	}

	/** How nginx reaches the application. */
	enum Transport {

		UNIX_SOCKET, TCP

	}

}
