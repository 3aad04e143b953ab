package io.github.uwsgispringboot.actuate;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.github.uwsgispringboot.protocol.ListenQueue;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiServerOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiServerHealthIndicator}.
 */
class UwsgiServerHealthIndicatorTests {

	@TempDir
	Path temp;

	@Test
	void upWhileListeningWithWhereInTheDetailsThenDown() {
		Path socket = this.temp.resolve("uwsgi.sock");
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, socket, null,
				65535, Duration.ofSeconds(1)), (request, response) -> response.setComplete());
		UwsgiServerHealthIndicator indicator = new UwsgiServerHealthIndicator(server);
		server.start();
		try {
			Health health = indicator.health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("tcp", "127.0.0.1:" + server.tcpAddress().getPort())
				.containsEntry("unixSocket", socket.toAbsolutePath().toString());
		}
		finally {
			server.stop();
		}
		assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN);
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void listenQueueOfEachListenerReadIsInTheDetails() {
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0,
				this.temp.resolve("uwsgi.sock"), null, 65535, Duration.ofSeconds(1)),
				(request, response) -> response.setComplete());
		server.start();
		try {
			Map<String, Object> expected = new LinkedHashMap<>();
			for (ListenQueue queue : server.listenQueues()) {
				expected.put(queue.transport(), Map.of("length", 0, "limit", queue.limit()));
			}
			assertThat(expected).containsKey("tcp");
			assertThat(new UwsgiServerHealthIndicator(server).health(true).getDetails())
				.containsEntry("listenQueue", expected);
		}
		finally {
			server.stop();
		}
		assertThat(server.listenQueues()).isEmpty();
		assertThat(new UwsgiServerHealthIndicator(server).health(true).getDetails()).doesNotContainKey("listenQueue");
	}

}
