package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;


import static io.github.uwsgispringboot.e2e.EndToEnd.freePort;

/**
 * uWSGI's own http router, run from the configuration in the {@code uwsgi-router/} directory of the
 * demo application under test, in front of the application's uwsgi listeners. A router passes to one backend, so there is one
 * router process per transport, each with an HTTP and an HTTPS port.
 */
public final class UwsgiRouter implements AutoCloseable {

	private static final Path CONFIG = Path.of("uwsgi-router", "router.ini");

	/**
	 * What uWSGI's master logs once it has started its router process, after binding the router's
	 * ports (a port in use stops it before).
	 */
	private static final String STARTED = "spawned uWSGI http 1";

	private static final int ATTEMPTS = 5;

	private final Map<Transport, Instance> instances;

	private UwsgiRouter(Map<Transport, Instance> instances) {
		this.instances = instances;
	}

	/**
	 * Start a router in front of the uwsgi unix socket and one in front of the TCP port, both
	 * terminating HTTPS with the given certificate and key.
	 */
	public static UwsgiRouter start(Path uwsgiSocket, int uwsgiPort, Path tlsCertificate, Path tlsKey)
			throws IOException, InterruptedException {
		Map<Transport, Instance> instances = new EnumMap<>(Transport.class);
		UwsgiRouter router = new UwsgiRouter(instances);
		try {
			instances.put(Transport.UNIX_SOCKET, Instance.start(uwsgiSocket.toString(), tlsCertificate, tlsKey));
			instances.put(Transport.TCP, Instance.start("127.0.0.1:" + uwsgiPort, tlsCertificate, tlsKey));
			return router;
		}
		catch (IOException | InterruptedException | RuntimeException ex) {
			router.close();
			throw ex;
		}
	}

	private static String binary() {
		for (String candidate : List.of("/usr/bin/uwsgi", "/usr/bin/uwsgi-core", "/usr/local/bin/uwsgi")) {
			if (Files.isExecutable(Path.of(candidate))) {
				return candidate;
			}
		}
		throw new IllegalStateException("uWSGI is not installed: run scripts/install-peers.sh uwsgi-core");
	}

	/**
	 * Return the URI of {@code path} at the router's plain HTTP port in front of the given transport.
	 */
	public URI uri(Transport transport, String path) {
		return URI.create("http://127.0.0.1:" + this.instances.get(transport).httpPort + path);
	}

	/**
	 * Return the URI of {@code path} at the router's HTTPS port in front of the given transport.
	 */
	public URI httpsUri(Transport transport, String path) {
		return URI.create("https://127.0.0.1:" + this.instances.get(transport).httpsPort + path);
	}

	/**
	 * Return the routers' output (uWSGI logs to stderr), for assertion messages and failures.
	 */
	public String log() {
		StringBuilder log = new StringBuilder();
		this.instances.forEach((transport, instance) -> log.append("--- router to ")
			.append(transport)
			.append(":\n")
			.append(instance.log()));
		return log.toString();
	}

	/**
	 * Stop every router: the master stops its router process on SIGTERM ({@code die-on-term}); any
	 * process still alive after the master has gone is killed, so that none is left behind.
	 */
	@Override
	public void close() throws InterruptedException {
		for (Instance instance : this.instances.values()) {
			instance.close();
		}
	}

	/** One uWSGI master with its router process. */
	private static final class Instance {

		private final Path runDir;

		private final Process process;

		private final int httpPort;

		private final int httpsPort;

		private Instance(Path runDir, Process process, int httpPort, int httpsPort) {
			this.runDir = runDir;
			this.process = process;
			this.httpPort = httpPort;
			this.httpsPort = httpsPort;
		}

		static Instance start(String backend, Path tlsCertificate, Path tlsKey)
				throws IOException, InterruptedException {
			Path runDir = Files.createTempDirectory("uwsgi-router-e2e");
			for (int attempt = 1;; attempt++) {
				// uWSGI binds port 0 without saying which port it got: take free ports and retry if
				// one was taken meanwhile
				int httpPort = freePort();
				int httpsPort = freePort();
				Map<String, String> values = Map.of("@HTTP_PORT@", Integer.toString(httpPort), "@HTTPS_PORT@",
						Integer.toString(httpsPort), "@TLS_CERT@", tlsCertificate.toString(), "@TLS_KEY@",
						tlsKey.toString(), "@UWSGI_BACKEND@", backend);
				String config = Files.readString(CONFIG);
				for (Map.Entry<String, String> value : values.entrySet()) {
					config = config.replace(value.getKey(), value.getValue());
				}
				Files.writeString(runDir.resolve("router.ini"), config);
				Process process = new ProcessBuilder(binary(), "--ini", runDir.resolve("router.ini").toString())
					.redirectErrorStream(true)
					.redirectOutput(runDir.resolve("router.log").toFile())
					.start();
				Instance instance = new Instance(runDir, process, httpPort, httpsPort);
				if (instance.awaitStarted(Duration.ofSeconds(15))) {
					return instance;
				}
				String log = instance.log();
				instance.close();
				if (attempt == ATTEMPTS || !log.contains("Address already in use")) {
					throw new IllegalStateException("uWSGI's http router did not start:\n" + log);
				}
			}
		}

		private boolean awaitStarted(Duration timeout) throws InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (System.nanoTime() < deadline) {
				if (!this.process.isAlive()) {
					return false;
				}
				if (log().contains(STARTED)) {
					return true;
				}
				Thread.sleep(50);
			}
			return false;
		}

		String log() {
			Path path = this.runDir.resolve("router.log");
			try {
				return Files.exists(path) ? Files.readString(path, StandardCharsets.ISO_8859_1) : "";
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		void close() throws InterruptedException {
			List<ProcessHandle> children = this.process.descendants().toList();
			this.process.destroy();
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor();
			}
			for (ProcessHandle child : children) {
				child.destroyForcibly();
			}
		}

	}

}
