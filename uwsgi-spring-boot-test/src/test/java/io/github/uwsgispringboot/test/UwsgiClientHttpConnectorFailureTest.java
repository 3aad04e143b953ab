package io.github.uwsgispringboot.test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientException;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UwsgiClientHttpConnector} against servers that are absent or answer what no
 * uwsgi peer can read: every exchange fails, within bounded time, saying why.
 */
class UwsgiClientHttpConnectorFailureTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@TempDir
	Path temp;

	@Test
	void refusedConnectionFailsTheExchange() throws Exception {
		int port;
		try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = closed.getLocalPort();
		}
		assertThatExceptionOfType(WebClientRequestException.class)
			.isThrownBy(() -> get(UwsgiClientHttpConnector.tcp(port)))
			.withMessageContaining("Connection refused");
	}

	@Test
	void missingUnixSocketFailsTheExchange() {
		Path socket = this.temp.resolve("missing.sock");
		assertThatExceptionOfType(WebClientRequestException.class)
			.isThrownBy(() -> get(UwsgiClientHttpConnector.unixSocket(socket)));
	}

	@Test
	void serverThatNeverAnswersFailsTheExchangeAfterTheResponseTimeout() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.silent()) {
			UwsgiClientHttpConnector connector = UwsgiClientHttpConnector.tcp(server.port())
				.responseTimeout(Duration.ofMillis(300));
			long start = System.nanoTime();
			assertThatExceptionOfType(WebClientRequestException.class).isThrownBy(() -> get(connector))
				.withCauseInstanceOf(ReadTimeoutException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		}
	}

	@Test
	void chunkedResponseFailsTheExchange() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer
			.answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")) {
			assertThatExceptionOfType(WebClientRequestException.class)
				.isThrownBy(() -> get(UwsgiClientHttpConnector.tcp(server.port())))
				.withMessageContaining("chunk markers");
		}
	}

	@Test
	void responseCutShortOfItsContentLengthFailsTheExchange() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer
			.answering("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")) {
			assertThatExceptionOfType(WebClientException.class)
				.isThrownBy(() -> get(UwsgiClientHttpConnector.tcp(server.port())))
				.withMessageContaining("prematurely closed");
		}
	}

	@Test
	void requestTooLargeForAUwsgiPacketFailsTheExchange() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.silent()) {
			WebClient client = WebClient.create().mutate()
				.clientConnector(UwsgiClientHttpConnector.tcp(server.port()))
				.build();
			assertThatExceptionOfType(WebClientRequestException.class)
				.isThrownBy(() -> client.get()
					.uri("http://localhost/")
					.header("X-Big", "x".repeat(70_000))
					.retrieve()
					.toBodilessEntity()
					.block(TIMEOUT))
				.withMessageContaining("exceeds 65535");
		}
	}

	private static String get(UwsgiClientHttpConnector connector) {
		return WebClient.builder()
			.clientConnector(connector)
			.build()
			.get()
			.uri("http://localhost/")
			.retrieve()
			.bodyToMono(String.class)
			.block(TIMEOUT);
	}

}
