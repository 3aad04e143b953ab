package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A response the application fails to finish must not look complete to the proxy.
 */
class UwsgiServerAbortTests {

	private final HttpHandler failingStream = (request, response) -> response.writeWith(Flux
		.<DataBuffer>just(response.bufferFactory().wrap("first part ".getBytes()))
		.concatWith(Flux.error(new IllegalStateException("the stream failed"))));

	private final HttpHandler completeStream = (request, response) -> response
		.writeWith(Flux.just(response.bufferFactory().wrap("all of it".getBytes())));

	@Test
	void streamThatFailsMidwayResetsTheTcpConnection() throws Exception {
		UwsgiServer server = start(this.failingStream);
		try {
			assertThatExceptionOfType(IOException.class)
				.isThrownBy(() -> UwsgiTestClient.exchange(server.tcpAddress(), get(), ""))
				.withMessageContaining("reset");
		}
		finally {
			server.stop();
		}
	}

	@Test
	void streamThatCompletesEndsWithAnOrdinaryClose() throws Exception {
		UwsgiServer server = start(this.completeStream);
		try {
			assertThat(UwsgiTestClient.exchange(server.tcpAddress(), get(), "")).endsWith("\r\n\r\nall of it");
		}
		finally {
			server.stop();
		}
	}

	private static UwsgiServer start(HttpHandler handler) {
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null,
				UwsgiLimits.NONE, Duration.ofSeconds(1), null, null, -1), () -> handler, List.of());
		server.start();
		return server;
	}

	private static UwsgiVars get() {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").build();
	}

}
