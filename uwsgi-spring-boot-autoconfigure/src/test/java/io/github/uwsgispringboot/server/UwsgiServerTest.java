package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;

import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static io.github.uwsgispringboot.server.UwsgiTestClient.body;
import static io.github.uwsgispringboot.server.UwsgiTestClient.exchange;
import static io.github.uwsgispringboot.server.UwsgiTestClient.packet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import io.github.uwsgispringboot.protocol.UwsgiServerException;

/**
 * Tests for {@link UwsgiServer}: a real server on a loopback port and a unix socket, and a raw
 * client.
 */
class UwsgiServerTest {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	/** Describes the request as the application sees it. */
	private static final HttpHandler DESCRIBE = (request, response) -> {
		InetSocketAddress remote = request.getRemoteAddress();
		String client = (remote != null) ? remote.getAddress().getHostAddress() + ":" + remote.getPort() : "none";
		return write(response, "remote=" + client + " uri="
				+ request.getURI() + " contextPath=" + request.getPath().contextPath().value() + " path="
				+ request.getPath().pathWithinApplication().value());
	};

	@TempDir
	Path temp;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private UwsgiServer server;

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.stop();
		}
		this.executor.shutdownNow();
	}

	@Test
	void answersTheSameOverTcpAndUnixSocket() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		start(options(0, socket), DESCRIBE);
		UwsgiVars vars = UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/app/orders?id=1")
			.add("SCRIPT_NAME", "/app")
			.add("HTTP_HOST", "example.com")
			.add("HTTPS", "on")
			.add("REMOTE_ADDR", "203.0.113.7")
			.add("REMOTE_PORT", "40000")
			.add("CONTENT_LENGTH", "")
			.build();
		String overTcp = exchange(this.server.tcpAddress(), vars, "");
		String overUnixSocket = exchange(socket, vars, "");
		assertThat(overTcp).startsWith("HTTP/1.1 200 OK\r\n");
		assertThat(body(overTcp)).isEqualTo(
				"remote=203.0.113.7:40000 uri=https://example.com/app/orders?id=1 contextPath=/app path=/orders");
		assertThat(overUnixSocket).isEqualTo(overTcp);
	}

	@Test
	void pingIsAnsweredWithPong() throws Exception {
		start(options(0, null), DESCRIBE);
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			client.send(new byte[] { 0x64, 0x00, 0x00, 0x00 });
			assertThat(client.readResponse().getBytes(StandardCharsets.ISO_8859_1)).containsExactly(0x64, 0x00, 0x00,
					0x01);
		}
	}

	@Test
	void tcpConnectionsSendWithoutNagleDelay() throws Exception {
		HttpHandler noDelay = (request, response) -> {
			Connection connection = ServerHttpRequestDecorator.getNativeRequest(request);
			return write(response, "TCP_NODELAY=" + connection.channel().config().getOption(ChannelOption.TCP_NODELAY));
		};
		start(options(0, null), noDelay);
		assertThat(body(exchange(this.server.tcpAddress(), get("/"), ""))).isEqualTo("TCP_NODELAY=true");
	}

	@Test
	void bindsAnyFreePortForPortZero() {
		start(options(0, null), DESCRIBE);
		assertThat(this.server.tcpAddress().getAddress()).isEqualTo(LOOPBACK);
		assertThat(this.server.tcpAddress().getPort()).isPositive();
		assertThat(this.server.unixSocketPath()).isNull();
	}

	@Test
	void staleSocketFileIsReplaced() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		crashed.bind(UnixDomainSocketAddress.of(socket));
		crashed.close();
		assertThat(socket).exists();
		start(options(-1, socket), DESCRIBE);
		assertThat(exchange(socket, get("/"), "")).startsWith("HTTP/1.1 200 OK\r\n");
	}

	@Test
	void liveSocketFailsStartSayingAnotherProcessIsListening() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			other.bind(UnixDomainSocketAddress.of(socket));
			this.server = new UwsgiServer(options(-1, socket), DESCRIBE);
			assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(this.server::start)
				.withMessageContaining(socket.toString())
				.withMessageContaining("another process is listening");
			assertThat(socket).exists();
		}
	}

	@Test
	void failedStartLeavesNoListenerBound() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			other.bind(UnixDomainSocketAddress.of(socket));
			this.server = new UwsgiServer(options(0, socket), DESCRIBE);
			assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(this.server::start);
			assertThat(this.server.tcpAddress()).isNull();
			assertThat(this.server.unixSocketPath()).isNull();
		}
	}

	@Test
	void regularFileAtTheSocketPathIsRefusedAndLeftUntouched() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		Files.writeString(socket, "precious data");
		this.server = new UwsgiServer(options(-1, socket), DESCRIBE);
		assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(this.server::start)
			.withMessageContaining("not a socket");
		assertThat(socket).hasContent("precious data");
	}

	@Test
	void missingSocketDirectoryIsNamedInTheFailure() {
		Path socket = this.temp.resolve("missing").resolve("uwsgi.sock");
		this.server = new UwsgiServer(options(-1, socket), DESCRIBE);
		assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(this.server::start)
			.withMessageContaining("directory " + socket.getParent() + " does not exist");
	}

	@Test
	void socketFileIsRemovedOnStop() {
		Path socket = this.temp.resolve("uwsgi.sock");
		start(options(-1, socket), DESCRIBE);
		assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isTrue();
		this.server.stop();
		assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isFalse();
	}

	@Test
	void socketFileGetsTheConfiguredPermissions() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		Set<PosixFilePermission> permissions = PosixFilePermissions.fromString("rw-rw-rw-");
		start(new UwsgiServerOptions(LOOPBACK, -1, socket, permissions, UwsgiConstants.MAX_VARS_SIZE,
				Duration.ofSeconds(5)), DESCRIBE);
		assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)).isEqualTo(permissions);
	}

	@Test
	void portInUseFailsStartWithClearMessage() throws Exception {
		try (ServerSocket taken = new ServerSocket(0, 50, LOOPBACK)) {
			this.server = new UwsgiServer(options(taken.getLocalPort(), null), DESCRIBE);
			assertThatExceptionOfType(UwsgiServerException.class).isThrownBy(this.server::start)
				.withMessageContaining("port " + taken.getLocalPort() + " on " + LOOPBACK.getHostAddress()
						+ " is already in use");
		}
	}

	@Test
	void gracefulShutdownLetsTheRequestInFlightFinishAndRefusesNewConnections() throws Exception {
		CountDownLatch arrived = new CountDownLatch(1);
		CompletableFuture<Void> proceed = new CompletableFuture<>();
		start(options(0, null), (request, response) -> {
			arrived.countDown();
			return Mono.fromFuture(proceed).then(write(response, "finished"));
		});
		InetSocketAddress address = this.server.tcpAddress();
		CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> exchangeUnchecked(address, get("/")),
				this.executor);
		assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Boolean> shutdown = CompletableFuture
			.supplyAsync(() -> this.server.shutDownGracefully(Duration.ofSeconds(10)), this.executor);
		await().atMost(Duration.ofSeconds(5)).until(() -> isRefused(address));
		assertThat(inFlight).isNotDone();
		proceed.complete(null);
		assertThat(inFlight.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("finished");
		assertThat(shutdown.get(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void gracefulShutdownThatTimesOutClosesTheRequestInFlight() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		CountDownLatch arrived = new CountDownLatch(1);
		start(options(0, socket), (request, response) -> {
			arrived.countDown();
			return Mono.never();
		});
		InetSocketAddress address = this.server.tcpAddress();
		CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> exchangeUnchecked(address, get("/")),
				this.executor);
		assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Boolean> shutdown = CompletableFuture
			.supplyAsync(() -> this.server.shutDownGracefully(Duration.ofMillis(500)), this.executor);
		assertThat(shutdown.get(2500, TimeUnit.MILLISECONDS)).isFalse();
		assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEmpty();
		assertThat(socket).doesNotExist();
	}

	@Test
	void stopClosesTheRequestInFlightAtOnce() throws Exception {
		Path socket = this.temp.resolve("uwsgi.sock");
		CountDownLatch arrived = new CountDownLatch(1);
		start(options(-1, socket), (request, response) -> {
			arrived.countDown();
			return Mono.never();
		});
		CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> exchangeUnchecked(socket, get("/")),
				this.executor);
		assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture.runAsync(this.server::stop, this.executor).get(2500, TimeUnit.MILLISECONDS);
		assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEmpty();
		assertThat(socket).doesNotExist();
	}

	@Test
	void responseToALargeBodyTheHandlerNeverReadsArrivesIntact() throws Exception {
		start(options(0, null), (request, response) -> {
			response.setStatusCode(HttpStatus.NOT_FOUND);
			return write(response, "no such upload");
		});
		int bodySize = 1024 * 1024;
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			client.send(packet(post("/upload", bodySize), ""));
			CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> sendUnchecked(client, new byte[bodySize]),
					this.executor);
			String response = client.readResponse();
			assertThat(response).startsWith("HTTP/1.1 404 Not Found\r\n").endsWith("\r\n\r\nno such upload");
			sent.get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void requestBodyIsStreamedToTheHandler() throws Exception {
		start(options(0, null), (request, response) -> response.writeWith(request.getBody()));
		String body = "0123456789".repeat(20_000);
		String response = exchange(this.server.tcpAddress(), post("/echo", body.length()), body);
		assertThat(response).startsWith("HTTP/1.1 200 OK\r\n");
		assertThat(body(response)).isEqualTo(body);
	}

	@Test
	void streamedResponseIsDelimitedByCloseWithoutChunkMarkers() throws Exception {
		start(options(0, null), (request, response) -> response
			.writeWith(Flux.just("first ", "second ", "third").map((text) -> buffer(response, text))));
		String response = exchange(this.server.tcpAddress(), get("/stream"), "");
		assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").doesNotContainIgnoringCase("transfer-encoding");
		assertThat(body(response)).isEqualTo("first second third");
	}

	@Test
	void expectContinueIsNotAnsweredWithAnInterimResponse() throws Exception {
		start(options(0, null), (request, response) -> response.writeWith(request.getBody()));
		UwsgiVars vars = UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", "/echo")
			.add("CONTENT_LENGTH", "5")
			.add("HTTP_EXPECT", "100-continue")
			.build();
		String response = exchange(this.server.tcpAddress(), vars, "hello");
		assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("100 Continue");
		assertThat(body(response)).isEqualTo("hello");
	}

	@Test
	void responseToHeadHasNoBody() throws Exception {
		start(options(0, null), (request, response) -> write(response, "hello"));
		UwsgiVars vars = UwsgiVars.builder().add("REQUEST_METHOD", "HEAD").add("REQUEST_URI", "/").build();
		String response = exchange(this.server.tcpAddress(), vars, "");
		assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n");
	}

	@Test
	void malformedRequestIsAnsweredBadRequest() throws Exception {
		start(options(0, null), DESCRIBE);
		UwsgiVars vars = UwsgiVars.builder().add("REQUEST_URI", "/").build();
		assertThat(exchange(this.server.tcpAddress(), vars, "")).startsWith("HTTP/1.1 400 Bad Request\r\n");
	}

	@Test
	void varsLargerThanMaxVarsSizeAreAnsweredRequestHeaderFieldsTooLarge() throws Exception {
		start(new UwsgiServerOptions(LOOPBACK, 0, null, null, 64, Duration.ofSeconds(5)), DESCRIBE);
		UwsgiVars vars = get("/" + "a".repeat(64));
		assertThat(exchange(this.server.tcpAddress(), vars, ""))
			.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
	}

	@Test
	void plainHttpIsAnsweredWithAHintToUseUwsgiPass() throws Exception {
		start(options(0, null), DESCRIBE);
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			client.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(client.readResponse()).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("uwsgi_pass");
		}
	}

	private void start(UwsgiServerOptions options, HttpHandler handler) {
		this.server = new UwsgiServer(options, handler);
		this.server.start();
	}

	private static UwsgiServerOptions options(int port, Path unixSocket) {
		return new UwsgiServerOptions(LOOPBACK, port, unixSocket, null, UwsgiConstants.MAX_VARS_SIZE,
				Duration.ofSeconds(5));
	}

	private static UwsgiVars get(String uri) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", uri)
			.add("HTTP_HOST", "localhost")
			.build();
	}

	private static UwsgiVars post(String uri, int contentLength) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", uri)
			.add("HTTP_HOST", "localhost")
			.add("CONTENT_LENGTH", Integer.toString(contentLength))
			.build();
	}

	private static Mono<Void> write(ServerHttpResponse response, String text) {
		return response.writeWith(Mono.fromSupplier(() -> buffer(response, text)));
	}

	private static DataBuffer buffer(ServerHttpResponse response, String text) {
		return response.bufferFactory().wrap(text.getBytes(StandardCharsets.UTF_8));
	}

	private static boolean isRefused(InetSocketAddress address) throws IOException {
		try (UwsgiTestClient client = UwsgiTestClient.connect(address)) {
			return false;
		}
		catch (ConnectException ex) {
			return true;
		}
	}

	private static String exchangeUnchecked(InetSocketAddress address, UwsgiVars vars) {
		try {
			return exchange(address, vars, "");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String exchangeUnchecked(Path socket, UwsgiVars vars) {
		try {
			return exchange(socket, vars, "");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void sendUnchecked(UwsgiTestClient client, byte[] bytes) {
		try {
			client.send(bytes);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
