package io.github.uwsgispringboot.server;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limits and deadlines of a real server, over a real TCP connection: each refusal arrives as
 * its status or a close, within its deadline, without a reset.
 */
class UwsgiServerLimitsTests {

	private static final UwsgiLimits LIMITS = new UwsgiLimits(65535, 16, 1000, Duration.ofMillis(600),
			Duration.ofMillis(600));

	private final HttpHandler echoLength = (request, response) -> DataBufferUtils.join(request.getBody())
		.map((body) -> {
			int length = body.readableByteCount();
			DataBufferUtils.release(body);
			return length;
		})
		.defaultIfEmpty(0)
		.flatMap((length) -> response.writeWith(Mono.just(response.bufferFactory().wrap(("" + length).getBytes()))));

	private UwsgiServer server;

	@BeforeEach
	void start() {
		this.server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null, LIMITS,
				Duration.ofSeconds(2), null, null, -1), () -> this.echoLength, List.of());
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop();
	}

	@Test
	void bodyPastTheLimitIsAnswered413WhileTheClientStillSendsIt() throws Exception {
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			client.send(UwsgiTestClient.packet(post(200_000), ""));
			byte[] chunk = new byte[10_000];
			Arrays.fill(chunk, (byte) 'x');
			for (int i = 0; i < 20; i++) {
				client.send(chunk);
			}
			assertThat(client.readResponse()).startsWith("HTTP/1.1 413 Content Too Large\r\n");
		}
	}

	@Test
	void bodyAtTheLimitIsServed() throws Exception {
		String body = "y".repeat(1000);
		assertThat(UwsgiTestClient.exchange(this.server.tcpAddress(), post(1000), body)).startsWith("HTTP/1.1 200 OK")
			.endsWith("1000");
	}

	@Test
	void peerSendingAByteEveryHundredMillisecondsIsClosedAtTheHeaderDeadline() throws Exception {
		byte[] packet = UwsgiTestClient.packet(get(), "");
		long start = System.nanoTime();
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			try {
				for (byte b : packet) {
					client.send(new byte[] { b });
					Thread.sleep(100);
				}
			}
			catch (java.io.IOException ex) {
				// the server closed the connection while the packet was still trickling in
			}
			assertThat(client.readResponse()).isEmpty();
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void silentConnectionIsClosedAtTheHeaderDeadline() throws Exception {
		long start = System.nanoTime();
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			assertThat(client.readResponse()).isEmpty();
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
	}

	@Test
	void bodyThatStallsIsClosedAfterTheIdleTimeout() throws Exception {
		long start = System.nanoTime();
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			client.send(UwsgiTestClient.packet(post(500), "only part of it"));
			assertThat(client.readResponse()).doesNotContain("200 OK");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
	}

	private static UwsgiVars get() {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").build();
	}

	private static UwsgiVars post(int length) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", "/")
			.add("CONTENT_LENGTH", Integer.toString(length))
			.build();
	}

}
