package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpResources;

import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link UwsgiAcceptors}: every event loop accepts on the listener's socket and serves
 * what it accepts, over TCP and a unix socket.
 */
class UwsgiAcceptorsTests {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	@TempDir
	Path temp;

	private final ExecutorService clients = Executors.newFixedThreadPool(8);

	private UwsgiServer server;

	@BeforeEach
	void nativeTransport() {
		assumeThat(Epoll.isAvailable()).as("Netty's native epoll transport").isTrue();
	}

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.stop();
		}
		this.clients.shutdownNow();
	}

	@ParameterizedTest
	@ValueSource(strings = { "tcp", "unix" })
	void everyAcceptingLoopServesWhatItAccepts(String transport) throws Exception {
		Set<String> servingThreads = ConcurrentHashMap.newKeySet();
		HttpHandler handler = (request, response) -> {
			servingThreads.add(Thread.currentThread().getName());
			return response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));
		};
		Path socket = transport.equals("unix") ? this.temp.resolve("uwsgi.sock") : null;
		UwsgiServerOptions options = new UwsgiServerOptions(LOOPBACK, (socket != null) ? -1 : 0, socket, null,
				UwsgiLimits.NONE, Duration.ofSeconds(1), null, null, -1);
		this.server = new UwsgiServer(options, () -> handler, List.of());
		this.server.start();
		int count = UwsgiAcceptors.count(HttpResources.get().onServer(true));
		Set<String> acceptingThreads = new HashSet<>();
		for (Channel acceptor : this.server.acceptors()) {
			acceptingThreads.add(acceptor.eventLoop().submit(() -> Thread.currentThread().getName()).get());
		}
		assertThat(acceptingThreads).as("event loops accepting").hasSize(count);
		List<CompletableFuture<String>> responses = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			responses.add(CompletableFuture.supplyAsync(() -> exchange(socket), this.clients));
		}
		for (CompletableFuture<String> response : responses) {
			assertThat(response.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK").endsWith("hello");
		}
		assertThat(servingThreads).as("event loops serving").isSubsetOf(acceptingThreads);
		if (count > 1) {
			assertThat(servingThreads).as("event loops serving").hasSizeGreaterThan(1);
		}
	}

	@Test
	void stoppingReleasesTheSharedSocketsAndLeavesNoDescriptor() throws Exception {
		HttpHandler handler = (request, response) -> response.setComplete();
		Path socket = this.temp.resolve("uwsgi.sock");
		cycle(socket, handler);
		long descriptors = openDescriptors();
		for (int i = 0; i < 10; i++) {
			cycle(socket, handler);
		}
		assertThat(openDescriptors()).isLessThanOrEqualTo(descriptors);
		assertThat(socket).doesNotExist();
	}

	private void cycle(Path socket, HttpHandler handler) throws Exception {
		UwsgiServer server = new UwsgiServer(options(socket, -1), () -> handler, List.of());
		server.start();
		InetSocketAddress address = server.tcpAddress();
		assertThat(exchange(address, socket)).startsWith("HTTP/1.1 200 OK");
		assertThat(exchange(address, null)).startsWith("HTTP/1.1 200 OK");
		server.stop();
		assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> UwsgiTestClient.connect(address));
	}

	@Test
	void connectionLimitHoldsWhileEveryLoopAccepts() throws Exception {
		AtomicInteger inFlight = new AtomicInteger();
		AtomicInteger mostInFlight = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		HttpHandler handler = (request, response) -> Mono.fromRunnable(() -> {
			mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
			try {
				release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			inFlight.decrementAndGet();
		}).subscribeOn(Schedulers.boundedElastic()).then(response.setComplete());
		this.server = new UwsgiServer(options(null, 2), () -> handler, List.of());
		this.server.start();
		List<CompletableFuture<String>> responses = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			responses.add(CompletableFuture.supplyAsync(() -> exchange(null), this.clients));
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.get() == 2);
		Thread.sleep(300);
		assertThat(mostInFlight).as("requests served at once").hasValue(2);
		release.countDown();
		for (CompletableFuture<String> response : responses) {
			assertThat(response.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK");
		}
		assertThat(mostInFlight).hasValue(2);
	}

	private UwsgiServerOptions options(Path socket, int maxConnections) {
		return new UwsgiServerOptions(LOOPBACK, 0, socket, null, UwsgiLimits.NONE, Duration.ofSeconds(1), null, null,
				maxConnections);
	}

	private String exchange(Path socket) {
		return exchange(this.server.tcpAddress(), socket);
	}

	private static String exchange(InetSocketAddress address, Path socket) {
		UwsgiVars get = UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").build();
		try {
			return (socket != null) ? UwsgiTestClient.exchange(socket, get, "")
					: UwsgiTestClient.exchange(address, get, "");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static long openDescriptors() throws IOException {
		try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
			return descriptors.count();
		}
	}

}
