package io.github.uwsgispringboot.demo.mvc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import io.github.uwsgispringboot.e2e.EndToEnd;
import io.github.uwsgispringboot.e2e.SocketActivationTests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo application started as systemd starts a socket-activated service with
 * {@code StandardInput=socket}, behind nginx, and restarted under load on the socket it inherits
 * ({@link SocketActivationTests}): the Tomcat connector serves the one socket on standard input,
 * so one process serves the TCP socket and another the unix socket.
 */
class SocketActivationEndToEndTests extends SocketActivationTests {

	@Override
	protected Class<?> application() {
		return DemoMvcApplication.class;
	}

	@Override
	protected boolean socketOnStandardInput() {
		return true;
	}

	/**
	 * A socket unit with a bare {@code ListenStream=PORT} listens on every address: an application
	 * with neither allowed clients nor a shared secret must not serve on it.
	 */
	@Test
	void refusesAnUnprotectedSocketOnStandardInputBoundToEveryAddress(
			@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
		int port = EndToEnd.freePort();
		Path log = dir.resolve("app.log");
		Process activator = new ProcessBuilder("/usr/bin/systemd-socket-activate", "-l", Integer.toString(port),
				"--inetd", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlogging.file.name=" + log, "-cp",
				System.getProperty("java.class.path"), DemoMvcApplication.class.getName(), "--server.port=-1",
				"--spring.main.banner-mode=off")
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("activate.log").toFile())
			.start();
		try {
			while (!Files.readString(dir.resolve("activate.log")).contains("Listening on")) {
				assertThat(activator.isAlive()).isTrue();
				Thread.sleep(20);
			}
			// the first connection starts the application, which refuses the socket and exits
			try (java.net.Socket starter = new java.net.Socket("127.0.0.1", port)) {
				assertThat(activator.waitFor(90, TimeUnit.SECONDS)).as("the application exited").isTrue();
			}
			assertThat(activator.exitValue()).isNotZero();
			// systemd-socket-activate binds the IPv6 any-address, which takes IPv4 too
			assertThat(Files.readString(log)).containsPattern("uwsgi server refuses to serve unprotected on fd 0 "
					+ "\\(standard input\\), bound to (0\\.0\\.0\\.0|0:0:0:0:0:0:0:0):" + port
					+ ": anyone who can reach it could send requests as any client")
				.doesNotContain("uwsgi server listening on");
		}
		finally {
			activator.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

	@Override
	protected List<String> expectedListeningLines(int port, Path socket) {
		return List.of(
				"uwsgi server listening on 127.0.0.1:" + port
						+ " (Tomcat connector, inherited from the service manager: [fd 0 (standard input)])",
				"uwsgi server listening on unix:" + socket
						+ " (Tomcat connector, inherited from the service manager: [fd 0 (standard input)])");
	}

}
