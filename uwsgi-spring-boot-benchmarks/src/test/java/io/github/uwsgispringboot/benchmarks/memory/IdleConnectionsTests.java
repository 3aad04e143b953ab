package io.github.uwsgispringboot.benchmarks.memory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiServerOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The idle-connection client of {@code scripts/memory.sh} tells the connections a uwsgi server
 * holds from those it closed, over TCP and a unix socket.
 */
class IdleConnectionsTests {

	private static final HttpHandler NO_CONTENT = (request, response) -> response.setComplete();

	@TempDir
	Path directory;

	private UwsgiServer server;

	private final IdleConnections idle = new IdleConnections();

	@AfterEach
	void stop() {
		this.idle.close();
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void connectionsTheServerHoldsAreOpen() throws IOException {
		start(Duration.ZERO);
		this.idle.open(this.server.tcpAddress(), 25);
		this.idle.open(UnixDomainSocketAddress.of(this.server.unixSocketPath()), 25);
		assertThat(this.idle.check()).isEqualTo(new IdleConnections.Check(50, 0, 0));
	}

	@Test
	void connectionsTheServerClosedAreClosed() throws IOException {
		start(Duration.ofMillis(100));
		this.idle.open(this.server.tcpAddress(), 10);
		this.idle.open(UnixDomainSocketAddress.of(this.server.unixSocketPath()), 10);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.idle.check()).isEqualTo(new IdleConnections.Check(0, 20, 0)));
	}

	@Test
	void addressIsAUnixSocketWhenItIsAPath() {
		SocketAddress unix = IdleConnections.address("/run/app/uwsgi.sock");
		assertThat(unix).isEqualTo(UnixDomainSocketAddress.of("/run/app/uwsgi.sock"));
		assertThat(IdleConnections.address("127.0.0.1:3031")).hasToString("/127.0.0.1:3031");
	}

	private void start(Duration headerTimeout) {
		UwsgiLimits limits = new UwsgiLimits(UwsgiConstants.MAX_VARS_SIZE, 512, -1, headerTimeout, Duration.ZERO);
		this.server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0,
				this.directory.resolve("app.sock"), null, limits, Duration.ofSeconds(1), null, UwsgiAccessPolicy.OPEN,
				-1), NO_CONTENT);
		this.server.start();
	}

}
