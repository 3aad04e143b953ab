package io.github.uwsgispringboot.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.netty.channel.unix.DomainSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy.Network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link UwsgiAccessPolicy}, on its own and on a real server.
 */
class UwsgiServerAccessTests {

	/** Answers with the names of the vars the application sees. */
	private static final HttpHandler VAR_NAMES = (request, response) -> {
		StringBuilder names = new StringBuilder();
		UwsgiRequests.vars(request).forEach((name, value) -> names.append(name).append(' '));
		return response.writeWith(Mono.just(response.bufferFactory().wrap(names.toString().getBytes())));
	};

	@Test
	void peerOutsideTheAllowedNetworksIsAnsweredForbiddenButItsPingIsAnswered() throws Exception {
		UwsgiServer server = start(new UwsgiAccessPolicy(List.of(Network.parse("10.0.0.0/8")), null, null));
		try {
			assertThat(UwsgiTestClient.exchange(server.tcpAddress(), get().build(), ""))
				.startsWith("HTTP/1.1 403 Forbidden\r\n");
			try (UwsgiTestClient client = UwsgiTestClient.connect(server.tcpAddress())) {
				client.send(new byte[] { 100, 0, 0, 0 });
				assertThat(client.readResponse()).isEqualTo(new String(new byte[] { 100, 0, 0, 1 }));
			}
		}
		finally {
			server.stop();
		}
	}

	@Test
	void peerInsideTheAllowedNetworksIsServed() throws Exception {
		UwsgiServer server = start(new UwsgiAccessPolicy(List.of(Network.parse("127.0.0.0/8")), null, null));
		try {
			assertThat(UwsgiTestClient.exchange(server.tcpAddress(), get().build(), "")).startsWith("HTTP/1.1 200 OK");
		}
		finally {
			server.stop();
		}
	}

	@Test
	void requestWithoutOrWithAWrongSecretIsForbiddenAndTheRightOneIsRemoved() throws Exception {
		UwsgiServer server = start(new UwsgiAccessPolicy(List.of(), "PROXY_SECRET", "s3cret"));
		try {
			assertThat(UwsgiTestClient.exchange(server.tcpAddress(), get().build(), ""))
				.startsWith("HTTP/1.1 403 Forbidden\r\n");
			assertThat(UwsgiTestClient.exchange(server.tcpAddress(), get().add("PROXY_SECRET", "s3cre").build(), ""))
				.startsWith("HTTP/1.1 403 Forbidden\r\n");
			String served = UwsgiTestClient.exchange(server.tcpAddress(),
					get().add("PROXY_SECRET", "s3cret").add("TENANT", "acme").build(), "");
			assertThat(served).startsWith("HTTP/1.1 200 OK");
			assertThat(UwsgiTestClient.body(served)).contains("TENANT").doesNotContain("PROXY_SECRET");
		}
		finally {
			server.stop();
		}
	}

	@Test
	void forbiddenPostIsAnsweredWithoutAResetWhileItsBodyIsStillArriving() throws Exception {
		UwsgiServer server = start(new UwsgiAccessPolicy(List.of(), "PROXY_SECRET", "s3cret"));
		try (UwsgiTestClient client = UwsgiTestClient.connect(server.tcpAddress())) {
			client.send(UwsgiTestClient.packet(UwsgiVars.builder()
				.add("REQUEST_METHOD", "POST")
				.add("REQUEST_URI", "/")
				.add("CONTENT_LENGTH", "300000")
				.build(), ""));
			for (int i = 0; i < 30; i++) {
				client.send(new byte[10_000]);
			}
			assertThat(client.readResponse()).startsWith("HTTP/1.1 403 Forbidden\r\n");
		}
		finally {
			server.stop();
		}
	}

	private static UwsgiServer start(UwsgiAccessPolicy policy) {
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null,
				UwsgiLimits.NONE, Duration.ofSeconds(2), null, policy, -1), () -> VAR_NAMES, List.of());
		server.start();
		return server;
	}

	private static UwsgiVars.Builder get() {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/");
	}

}
