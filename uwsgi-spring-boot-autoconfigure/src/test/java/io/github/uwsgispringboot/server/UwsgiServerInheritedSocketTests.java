package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiServerException;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link UwsgiServer} on listening sockets it inherits, as systemd passes them: the
 * test binds a socket, keeps it as the service manager would, and gives the server a duplicate of
 * the descriptor (passed over a unix socket, {@code SCM_RIGHTS}, the way to duplicate one from
 * Java).
 */
class UwsgiServerInheritedSocketTests {

	private static final UwsgiVars GET = UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").build();

	@TempDir
	Path temp;

	private final List<Socket> sockets = new ArrayList<>();

	private final List<UwsgiServer> servers = new ArrayList<>();

	@BeforeEach
	void nativeTransport() {
		assumeThat(Epoll.isAvailable()).as("Netty's native epoll transport").isTrue();
	}

	@AfterEach
	void close() throws IOException {
		this.servers.forEach(UwsgiServer::stop);
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

	@Test
	void servesOnAnInheritedTcpSocketInsteadOfBinding() throws Exception {
		Socket listening = listenTcp();
		InetSocketAddress address = listening.localAddress();
		UwsgiServer server = start(options(new PassedSocket(duplicate(listening), "uwsgi")), "hello");
		assertThat(server.tcpAddress()).isEqualTo(address);
		assertThat(server.unixSocketPath()).isNull();
		assertThat(server.inheritedSockets()).extracting(PassedSocket::name).containsExactly("uwsgi");
		for (int i = 0; i < 10; i++) {
			assertThat(UwsgiTestClient.exchange(address, GET, "")).startsWith("HTTP/1.1 200 OK").endsWith("hello");
		}
	}

	@Test
	void listenQueueOfAnInheritedTcpSocketHasTheBacklogItsServiceManagerGaveIt() throws Exception {
		Socket listening = listenTcp(37);
		UwsgiServer server = start(options(new PassedSocket(duplicate(listening), "uwsgi")), "hello");
		assertThat(server.listenQueues()).singleElement().satisfies((queue) -> {
			assertThat(queue.transport()).isEqualTo("tcp");
			assertThat(queue.length()).isZero();
			assertThat(queue.limit()).as("TCP_INFO's backlog, not uwsgi.backlog").isEqualTo(37);
		});
	}

	@Test
	void servesOnAnInheritedUnixSocketAndLeavesItsFile() throws Exception {
		Path path = this.temp.resolve("uwsgi.sock");
		Socket listening = listenUnix(path);
		UwsgiServer server = start(options(new PassedSocket(duplicate(listening), "app.socket")), "hello");
		assertThat(server.unixSocketPath()).isEqualTo(path);
		assertThat(server.tcpAddress()).isNull();
		for (int i = 0; i < 10; i++) {
			assertThat(UwsgiTestClient.exchange(path, GET, "")).startsWith("HTTP/1.1 200 OK").endsWith("hello");
		}
		assertThat(server.shutDownGracefully(Duration.ofSeconds(5))).isTrue();
		assertThat(path).as("socket file, the service manager's").exists();
	}

	@ParameterizedTest
	@ValueSource(strings = { "tcp", "unix" })
	void aStopFinishesWhatItAcceptedAndLeavesTheQueueToTheNextServer(String transport) throws Exception {
		Path path = this.temp.resolve("uwsgi.sock");
		Socket listening = "tcp".equals(transport) ? listenTcp() : listenUnix(path);
		CountDownLatch inFlight = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		HttpHandler slow = (request, response) -> Mono.fromRunnable(inFlight::countDown)
			.then(Mono.fromRunnable(() -> awaitUninterruptibly(release)).subscribeOn(Schedulers.boundedElastic()))
			.then(response.writeWith(Mono.just(response.bufferFactory().wrap("first".getBytes()))));
		UwsgiServer first = start(options(new PassedSocket(duplicate(listening), "uwsgi")), slow);
		CompletableFuture<String> accepted = CompletableFuture.supplyAsync(() -> exchange(transport, listening, path));
		assertThat(inFlight.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> first.shutDownGracefully(Duration.ofSeconds(10)));
		Thread.sleep(300);
		// the first server no longer accepts: these wait in the socket's accept queue
		List<CompletableFuture<String>> queued = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			queued.add(CompletableFuture.supplyAsync(() -> exchange(transport, listening, path)));
		}
		Thread.sleep(300);
		release.countDown();
		assertThat(accepted.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK").endsWith("first");
		assertThat(stopped.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(queued).noneMatch(CompletableFuture::isDone);
		start(options(new PassedSocket(duplicate(listening), "uwsgi")), "second");
		for (CompletableFuture<String> request : queued) {
			assertThat(request.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK").endsWith("second");
		}
	}

	@Test
	void aSocketThatIsNotListeningFailsStartUp() throws Exception {
		Socket notListening = Socket.newSocketStream();
		this.sockets.add(notListening);
		UwsgiServer server = new UwsgiServer(options(new PassedSocket(notListening.intValue(), "uwsgi")),
				() -> hello("hello"), List.of());
		assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(server::start)
			.withMessage("uwsgi server failed to start: fd " + notListening.intValue()
					+ " (uwsgi) is not a listening stream socket");
		assertThat(server.isListening()).isFalse();
	}

	@Test
	void twoTcpSocketsNeedANameToPickOne() throws Exception {
		UwsgiServerOptions options = options(new PassedSocket(duplicate(listenTcp()), "a.socket"),
				new PassedSocket(duplicate(listenTcp()), "a.socket"));
		UwsgiServer server = new UwsgiServer(options, () -> hello("hello"), List.of());
		assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(server::start)
			.withMessageContaining("more than one TCP socket was passed")
			.withMessageContaining("FileDescriptorName=uwsgi");
	}

	@Test
	void anUnprotectedSocketBoundBeyondLoopbackFailsStartUpAsAConfiguredAddressWould() throws Exception {
		Socket everywhere = Socket.newSocketStream();
		this.sockets.add(everywhere);
		everywhere.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
		everywhere.listen(128);
		UwsgiServer unprotected = new UwsgiServer(unprotected(new PassedSocket(duplicate(everywhere), "uwsgi")),
				() -> hello("hello"), List.of());
		assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(unprotected::start)
			.withMessageContaining("refuses to serve unprotected on inherited fd ")
			.withMessageContaining(":" + everywhere.localAddress().getPort() + ": anyone who can reach it")
			.withMessageContaining("ListenStream=127.0.0.1:PORT");
		assertThat(unprotected.isListening()).isFalse();
		Socket loopback = listenTcp();
		UwsgiServer server = start(unprotected(new PassedSocket(duplicate(loopback), "uwsgi")), "on loopback");
		assertThat(UwsgiTestClient.exchange(loopback.localAddress(), GET, "")).endsWith("on loopback");
		assertThat(server.isListening()).isTrue();
	}

	private static UwsgiServerOptions unprotected(PassedSocket inherited) {
		return new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null, UwsgiLimits.NONE,
				Duration.ofSeconds(1), null, UwsgiAccessPolicy.OPEN, 100, List.of(inherited), false);
	}

	private static UwsgiServerOptions options(PassedSocket... inherited) {
		// address, port and path are those of a bound server: inherited sockets replace them
		return new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null, UwsgiLimits.NONE,
				Duration.ofSeconds(1), null, UwsgiAccessPolicy.OPEN, 100, List.of(inherited));
	}

	private UwsgiServer start(UwsgiServerOptions options, String body) {
		return start(options, hello(body));
	}

	private UwsgiServer start(UwsgiServerOptions options, HttpHandler handler) {
		UwsgiServer server = new UwsgiServer(options, () -> handler, List.of());
		this.servers.add(server);
		server.start();
		return server;
	}

	private static HttpHandler hello(String body) {
		return (request, response) -> response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes())));
	}

	private static String exchange(String transport, Socket listening, Path path) {
		try {
			return "tcp".equals(transport) ? UwsgiTestClient.exchange(listening.localAddress(), GET, "")
					: UwsgiTestClient.exchange(path, GET, "");
		}
		catch (IOException ex) {
			return ex.toString();
		}
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		try {
			latch.await(20, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private Socket listenTcp() throws IOException {
		return listenTcp(128);
	}

	private Socket listenTcp(int backlog) throws IOException {
		Socket socket = Socket.newSocketStream();
		this.sockets.add(socket);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		socket.listen(backlog);
		return socket;
	}

	private Socket listenUnix(Path path) throws IOException {
		Socket socket = Socket.newSocketDomain();
		this.sockets.add(socket);
		socket.bind(new DomainSocketAddress(path.toString()));
		socket.listen(128);
		return socket;
	}

	/**
	 * Return a new descriptor for the same socket, as a child process gets from its service
	 * manager: sent over a unix socket pair with {@code SCM_RIGHTS}.
	 */
	private int duplicate(Socket socket) throws IOException, InterruptedException {
		Path rendezvous = Files.createTempFile(this.temp, "dup", ".sock");
		Files.delete(rendezvous);
		Socket server = listenUnix(rendezvous);
		Socket client = Socket.newSocketDomain();
		this.sockets.add(client);
		client.connect(new DomainSocketAddress(rendezvous.toString()));
		int accepted = -1;
		for (int attempt = 0; attempt < 100 && accepted < 0; attempt++) {
			accepted = server.accept(new byte[128]);
			if (accepted < 0) {
				Thread.sleep(10);
			}
		}
		Socket receiver = new Socket(accepted);
		this.sockets.add(receiver);
		assertThat(client.sendFd(socket.intValue())).isPositive();
		int duplicate = -1;
		for (int attempt = 0; attempt < 100 && duplicate <= 0; attempt++) {
			duplicate = receiver.recvFd();
			if (duplicate <= 0) {
				Thread.sleep(10);
			}
		}
		assertThat(duplicate).isGreaterThan(2);
		return duplicate;
	}

}
