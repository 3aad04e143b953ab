package io.github.uwsgispringboot.server;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the most connections a server serves at once.
 */
class UwsgiServerMaxConnectionsTests {

	private final HttpHandler hello = (request, response) -> response
		.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));

	@Test
	void connectionBeyondTheLimitWaitsUntilAnotherCloses() throws Exception {
		CountDownLatch accepted = new CountDownLatch(2);
		UwsgiServerListener counting = new UwsgiServerListener() {

			@Override
			public void connectionOpened(String transport) {
				accepted.countDown();
			}

		};
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null,
				UwsgiLimits.NONE, Duration.ofSeconds(1), null, null, 2), () -> this.hello, List.of(counting));
		server.start();
		try (UwsgiTestClient first = UwsgiTestClient.connect(server.tcpAddress());
				UwsgiTestClient second = UwsgiTestClient.connect(server.tcpAddress())) {
			// the kernel completes a connect before the server accepts it, and several event loops
			// accept: the first two must be the server's before the third arrives
			assertThat(accepted.await(5, TimeUnit.SECONDS)).as("the first two connections accepted").isTrue();
			try (UwsgiTestClient third = UwsgiTestClient.connect(server.tcpAddress())) {
				third.send(UwsgiTestClient.packet(get(), ""));
				CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> {
					try {
						return third.readResponse();
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				});
				Thread.sleep(500);
				assertThat(response).as("the third connection waits in the accept queue").isNotDone();
				first.close();
				assertThat(response.get(5, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK").endsWith("hello");
			}
		}
		finally {
			server.stop();
		}
	}

	@Test
	void connectionsWithinTheLimitAreServedAtOnce() throws Exception {
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null,
				UwsgiLimits.NONE, Duration.ofSeconds(1), null, null, 2), () -> this.hello, List.of());
		server.start();
		try (UwsgiTestClient idle = UwsgiTestClient.connect(server.tcpAddress())) {
			for (int i = 0; i < 5; i++) {
				assertThat(UwsgiTestClient.exchange(server.tcpAddress(), get(), "")).endsWith("hello");
			}
		}
		finally {
			server.stop();
		}
	}

	private static UwsgiVars get() {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").build();
	}

}
