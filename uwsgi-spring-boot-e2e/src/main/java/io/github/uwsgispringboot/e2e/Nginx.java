package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.github.uwsgispringboot.e2e.EndToEnd.accepts;
import static io.github.uwsgispringboot.e2e.EndToEnd.freePort;

/**
 * A real nginx, run from the configuration in the {@code nginx/} directory of the demo application
 * under test ({@code demo-app/nginx/}, {@code demo-mvc-app/nginx/}), in front of the application's
 * uwsgi listeners: one HTTP port passes to the unix socket, one to the TCP port.
 */
public final class Nginx implements AutoCloseable {

	private static final Path DEMO_CONFIG_DIR = Path.of("nginx");

	private static final List<String> DEMO_CONFIG = List.of("nginx.conf", "locations.conf");

	private static final List<String> TEMP_DIRS = List.of("client_body_temp", "uwsgi_temp", "proxy_temp",
			"fastcgi_temp", "scgi_temp");

	private static final int ATTEMPTS = 5;

	private final Path runDir;

	private final Process process;

	private final Map<String, Integer> ports;

	private Nginx(Path runDir, Process process, Map<String, Integer> ports) {
		this.runDir = runDir;
		this.process = process;
		this.ports = ports;
	}

	/**
	 * Start nginx with the demo application's configuration in front of a uwsgi unix socket and TCP port.
	 */
	public static Nginx start(Path uwsgiSocket, int uwsgiPort) throws IOException, InterruptedException {
		return start(DEMO_CONFIG_DIR, DEMO_CONFIG,
				Map.of("@UWSGI_SOCKET@", uwsgiSocket.toString(), "@UWSGI_PORT@", Integer.toString(uwsgiPort)),
				"@HTTP_PORT_UNIX@", "@HTTP_PORT_TCP@");
	}

	/**
	 * Start nginx with configuration files from {@code configDir} whose {@code @NAME@} placeholders
	 * are filled in from {@code values}, {@code @RUN_DIR@}, {@code @UWSGI_PARAMS@}, and a free port
	 * for each of {@code portPlaceholders}.
	 */
	public static Nginx start(Path configDir, List<String> files, Map<String, String> values, String... portPlaceholders)
			throws IOException, InterruptedException {
		Path runDir = Files.createTempDirectory("nginx-e2e");
		Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-xr-x"));
		for (String temp : TEMP_DIRS) {
			// nginx's workers run as nobody when the tests run as root
			Files.setPosixFilePermissions(Files.createDirectory(runDir.resolve(temp)),
					PosixFilePermissions.fromString("rwxrwxrwx"));
		}
		for (int attempt = 1;; attempt++) {
			// nginx cannot bind port 0 and tell: take free ports and retry if one was taken meanwhile
			Map<String, Integer> ports = new LinkedHashMap<>();
			for (String placeholder : portPlaceholders) {
				ports.put(placeholder, freePort());
			}
			Map<String, String> all = new LinkedHashMap<>(values);
			all.put("@RUN_DIR@", runDir.toString());
			all.put("@UWSGI_PARAMS@", "/etc/nginx/uwsgi_params");
			ports.forEach((placeholder, port) -> all.put(placeholder, Integer.toString(port)));
			for (String file : files) {
				String config = Files.readString(configDir.resolve(file));
				for (Map.Entry<String, String> value : all.entrySet()) {
					config = config.replace(value.getKey(), value.getValue());
				}
				Files.writeString(runDir.resolve(file), config);
			}
			Process process = new ProcessBuilder(binary(), "-e", runDir.resolve("startup.log").toString(), "-p",
					runDir.toString(), "-c", runDir.resolve(files.get(0)).toString())
				.redirectErrorStream(true)
				.redirectOutput(runDir.resolve("stdout.log").toFile())
				.start();
			Nginx nginx = new Nginx(runDir, process, ports);
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

	private boolean awaitListening(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				return false;
			}
			if (this.ports.values().stream().allMatch(EndToEnd::accepts)) {
				return true;
			}
			Thread.sleep(50);
		}
		return false;
	}

	/**
	 * Return the URI of {@code path} at the nginx server that passes to the given transport.
	 */
	public URI uri(Transport transport, String path) {
		return uri((transport == Transport.UNIX_SOCKET) ? "@HTTP_PORT_UNIX@" : "@HTTP_PORT_TCP@", "http", path);
	}

	/**
	 * Return the URI of {@code path} at the nginx server listening on the port given to
	 * {@code portPlaceholder}.
	 */
	public URI uri(String portPlaceholder, String scheme, String path) {
		return URI.create(scheme + "://127.0.0.1:" + this.ports.get(portPlaceholder) + path);
	}

	/**
	 * Return nginx's error log, for assertion messages and failures.
	 */
	public String errorLog() {
		return EndToEnd.logs(this.runDir, "startup.log", "stdout.log", "error.log");
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor();
		}
	}

}
