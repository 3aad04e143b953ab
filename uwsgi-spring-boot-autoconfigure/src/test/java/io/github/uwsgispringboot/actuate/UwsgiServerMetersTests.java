package io.github.uwsgispringboot.actuate;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.ListenBacklog;
import io.github.uwsgispringboot.protocol.ListenQueue;
import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiServerOptions;
import io.github.uwsgispringboot.server.UwsgiTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link UwsgiServerMeters} on a real server, over TCP and a unix socket.
 */
class UwsgiServerMetersTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final HttpHandler handler = (request, response) -> {
		if (request.getPath().value().equals("/missing")) {
			response.setStatusCode(HttpStatus.NOT_FOUND);
			return response.setComplete();
		}
		return DataBufferUtils.join(request.getBody())
			.defaultIfEmpty(response.bufferFactory().wrap(new byte[0]))
			.flatMap((body) -> {
				DataBufferUtils.release(body);
				return response.writeWith(Mono.just(response.bufferFactory().wrap("0123456789".getBytes(StandardCharsets.US_ASCII))));
			});
	};

	@TempDir
	Path temp;

	private UwsgiServer server;

	@BeforeEach
	void startServer() throws Exception {
		UwsgiServerOptions options = new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0,
				this.temp.resolve("uwsgi.sock"), null, 65535, Duration.ofSeconds(1));
		this.server = new UwsgiServer(options, () -> this.handler, List.of(new UwsgiServerMeters(this.registry)));
		this.server.start();
	}

	@AfterEach
	void stopServer() {
		this.server.stop();
	}

	@Test
	void requestsAreTimedByTransportOutcomeAndStatus() throws Exception {
		UwsgiTestClient.exchange(this.server.tcpAddress(), request("GET", "/ok").build(), "");
		UwsgiTestClient.exchange(this.server.tcpAddress(), request("GET", "/missing").build(), "");
		UwsgiTestClient.exchange(this.server.unixSocketPath(), request("GET", "/ok").build(), "");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(this.registry.get(UwsgiServerMeters.REQUESTS)
				.tags("transport", "tcp", "outcome", "SUCCESS", "status", "200")
				.timer()
				.count()).isEqualTo(1);
			assertThat(this.registry.get(UwsgiServerMeters.REQUESTS)
				.tags("transport", "tcp", "outcome", "CLIENT_ERROR", "status", "404")
				.timer()
				.count()).isEqualTo(1);
			assertThat(this.registry.get(UwsgiServerMeters.REQUESTS)
				.tags("transport", "unix", "outcome", "SUCCESS")
				.timer()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void bodyBytesAreCountedBothWays() throws Exception {
		UwsgiTestClient.exchange(this.server.tcpAddress(), request("POST", "/ok").add("CONTENT_LENGTH", "5").build(),
				"hello");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(this.registry.get(UwsgiServerMeters.BYTES_RECEIVED).tag("transport", "tcp").counter().count())
				.isEqualTo(5);
			assertThat(this.registry.get(UwsgiServerMeters.BYTES_SENT).tag("transport", "tcp").counter().count())
				.isEqualTo(10);
		});
	}

	@Test
	void rejectedPacketsAreCountedByReason() throws Exception {
		UwsgiTestClient.exchange(this.server.tcpAddress(), request("GET", "/ok").add("CONTENT_LENGTH", "-1").build(),
				"");
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.registry.get(UwsgiServerMeters.PACKETS_REJECTED)
				.tags("transport", "tcp", "reason", "INVALID_CONTENT_LENGTH")
				.counter()
				.count()).isEqualTo(1));
		// the refusal is answered by the codec, not counted as a request
		assertThat(this.registry.find(UwsgiServerMeters.REQUESTS).timer()).isNull();
	}

	@Test
	void activeConnectionsRiseAndFall() throws Exception {
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.unixSocketPath())) {
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(activeConnections("unix")).isEqualTo(1));
			assertThat(activeConnections("tcp")).isZero();
		}
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(activeConnections("unix")).isZero());
	}

	private double activeConnections(String transport) {
		return this.registry.get(UwsgiServerMeters.CONNECTIONS_ACTIVE).tag("transport", transport).gauge().value();
	}

	private static UwsgiVars.Builder request(String method, String uri) {
		return UwsgiVars.builder().add("REQUEST_METHOD", method).add("REQUEST_URI", uri).add("HTTP_HOST", "example.com");
	}


	@Test
	@EnabledOnOs(OS.LINUX)
	void listenQueueGaugesShowWhatTheKernelSaysOfAnIdleListener() {
		int limit = Math.min(ListenBacklog.DEFAULT, ListenBacklog.somaxconn());
		assertThat(this.registry.get(UwsgiServerMeters.LISTEN_QUEUE).tag("transport", "tcp").gauge().value()).isZero();
		assertThat(this.registry.get(UwsgiServerMeters.LISTEN_QUEUE_LIMIT).tag("transport", "tcp").gauge().value())
			.isEqualTo(limit);
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void listenQueueGaugesHaveNoValueWhileStoppedAndReadTheServerAgainOnceRestarted() {
		this.server.stop();
		assertThat(this.registry.get(UwsgiServerMeters.LISTEN_QUEUE).tag("transport", "tcp").gauge().value()).isNaN();
		this.server.start();
		assertThat(this.registry.find(UwsgiServerMeters.LISTEN_QUEUE).tag("transport", "tcp").gauges()).hasSize(1);
		assertThat(this.registry.get(UwsgiServerMeters.LISTEN_QUEUE).tag("transport", "tcp").gauge().value()).isZero();
	}

	@Test
	void listenQueueGaugesOfATransportNotReadAreNotRegistered() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		UwsgiServerMeters meters = new UwsgiServerMeters(registry);
		meters.listenQueueWatched("tcp", () -> new ListenQueue("tcp 127.0.0.1:3031", "tcp", 7, 100));
		assertThat(registry.get(UwsgiServerMeters.LISTEN_QUEUE).tag("transport", "tcp").gauge().value()).isEqualTo(7);
		assertThat(registry.get(UwsgiServerMeters.LISTEN_QUEUE_LIMIT).tag("transport", "tcp").gauge().value())
			.isEqualTo(100);
		assertThat(registry.find(UwsgiServerMeters.LISTEN_QUEUE).tag("transport", "unix").gauge()).isNull();
	}

}
