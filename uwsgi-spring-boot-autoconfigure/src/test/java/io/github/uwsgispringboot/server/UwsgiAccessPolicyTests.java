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

import io.github.uwsgispringboot.codec.UwsgiLimits;
import io.github.uwsgispringboot.codec.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiAccessPolicy.Network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link UwsgiAccessPolicy}, on its own and on a real server.
 */
class UwsgiAccessPolicyTests {

	/** Answers with the names of the vars the application sees. */
	private static final HttpHandler VAR_NAMES = (request, response) -> {
		StringBuilder names = new StringBuilder();
		UwsgiRequests.vars(request).forEach((name, value) -> names.append(name).append(' '));
		return response.writeWith(Mono.just(response.bufferFactory().wrap(names.toString().getBytes())));
	};

	@ParameterizedTest(name = "{0} contains {1}: {2}")
	@CsvSource({ "10.0.0.0/8, 10.1.2.3, true", "10.0.0.0/8, 11.0.0.1, false", "192.0.2.7, 192.0.2.7, true",
			"192.0.2.7, 192.0.2.8, false", "192.0.2.0/25, 192.0.2.127, true", "192.0.2.0/25, 192.0.2.128, false",
			"0.0.0.0/0, 203.0.113.9, true", "fd00::/8, fd12::1, true", "fd00::/8, fe80::1, false",
			"127.0.0.0/8, ::ffff:127.0.0.1, true", "::ffff:10.0.0.0/104, 10.9.9.9, true", "::1, 127.0.0.1, false" })
	void networkContainsTheAddressesOfItsPrefix(String cidr, String address, boolean contained) throws Exception {
		assertThat(Network.parse(cidr).contains(InetAddress.getByName(address))).isEqualTo(contained);
	}

	@ParameterizedTest
	@ValueSource(strings = { "example.com", "10.0.0.0/33", "10.0.0.0/x", "::1/129", "" })
	void somethingThatIsNotANetworkIsRefused(String cidr) {
		assertThatIllegalArgumentException().isThrownBy(() -> Network.parse(cidr));
	}

	@Test
	void peersWithoutAnAddressAreNotCheckedAgainstTheNetworks() {
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(List.of(Network.parse("10.0.0.0/8")), null, null);
		assertThat(policy.allows(new DomainSocketAddress("/run/app.sock"))).isTrue();
		assertThat(policy.allows(new InetSocketAddress("127.0.0.1", 1))).isFalse();
	}

	@Test
	void secretVarThatWouldBeAHeaderIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new UwsgiAccessPolicy(List.of(), "HTTP_X_SECRET", "s3cret"));
	}

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
