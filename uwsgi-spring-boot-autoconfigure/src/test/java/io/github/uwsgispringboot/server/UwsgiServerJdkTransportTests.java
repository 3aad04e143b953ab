package io.github.uwsgispringboot.server;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiServerException;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UwsgiServer} on the JDK's transport, as on a machine without Netty's native
 * transports (macOS without kqueue on the class path, Linux on an architecture the starter brings
 * no native library for): the listeners run on Reactor Netty's NIO loops, one loop accepts. Runs in
 * a JVM of its own with {@code reactor.netty.native=false} (see this module's pom).
 */
class UwsgiServerJdkTransportTests {

	@TempDir
	Path temp;

	private UwsgiServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void servesOverTcpAndAUnixSocketOnTheJdkTransport() throws Exception {
		assertThat(LoopResources.DEFAULT_NATIVE).as("reactor.netty.native").isFalse();
		Set<String> servingThreads = ConcurrentHashMap.newKeySet();
		HttpHandler handler = (request, response) -> {
			servingThreads.add(Thread.currentThread().getName());
			return response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));
		};
		Path socket = this.temp.resolve("uwsgi.sock");
		UwsgiServerOptions options = new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, socket, null,
				UwsgiLimits.NONE, Duration.ofSeconds(1), null, null, 2);
		this.server = new UwsgiServer(options, () -> handler, List.of());
		this.server.start();
		assertThat(this.server.acceptors()).hasSize(2)
			.anySatisfy((acceptor) -> assertThat(acceptor).isInstanceOf(NioServerSocketChannel.class))
			.anySatisfy((acceptor) -> assertThat(acceptor).isInstanceOf(NioServerDomainSocketChannel.class));
		UwsgiVars get = UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").build();
		for (int i = 0; i < 10; i++) {
			assertThat(UwsgiTestClient.exchange(this.server.tcpAddress(), get, "")).startsWith("HTTP/1.1 200 OK")
				.endsWith("hello");
			assertThat(UwsgiTestClient.exchange(socket, get, "")).startsWith("HTTP/1.1 200 OK").endsWith("hello");
		}
		assertThat(servingThreads).allSatisfy((thread) -> assertThat(thread).contains("nio"));
	}

	@Test
	void inheritedSocketsFailStartUpSayingTheNativeTransportIsNeeded() {
		// the JDK adopts descriptor 0 only (System.inheritedChannel()), never those from 3 on
		UwsgiServerOptions options = new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null,
				UwsgiLimits.NONE, Duration.ofSeconds(1), null, null, -1, List.of(new PassedSocket(3, "uwsgi")));
		this.server = new UwsgiServer(options, () -> (request, response) -> response.setComplete(), List.of());
		assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(this.server::start)
			.withMessageContaining("only Netty's native epoll transport can serve on an inherited descriptor")
			.withMessageContaining("turned off (reactor.netty.native=false)")
			.withMessageContaining("uwsgi.inherited-sockets=ignore");
		assertThat(this.server.isListening()).isFalse();
	}

}
