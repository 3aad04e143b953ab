package io.github.uwsgispringboot.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.uwsgispringboot.actuate.UwsgiServerMeters;
import io.github.uwsgispringboot.autoconfigure.UwsgiMetricsAutoConfiguration;
import io.github.uwsgispringboot.autoconfigure.UwsgiTomcatAutoConfiguration;
import io.github.uwsgispringboot.autoconfigure.UwsgiWebMvcAutoConfiguration;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiPacketHeader;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.protocol.UwsgiRefusalLog;
import io.github.uwsgispringboot.server.RawUwsgiConnection.End;
import io.github.uwsgispringboot.server.RawUwsgiConnection.Received;

import org.assertj.core.api.InstanceOfAssertFactories;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two servers, the Reactor Netty {@link UwsgiServer} and the Tomcat connector behind a Spring
 * MVC application, answer the same bytes alike: every row of the bad-input table of
 * {@code docs/protocol.md} (and every refusal reason that can be sent on the wire) is sent over a
 * raw socket to both, with the same limits, and each must end the exchange the same way (the same
 * status line with an empty body, or a close without a response; an orderly close, no reset),
 * write the same refusal log line (the peer aside) and count it once under the same reason. A
 * valid request with every kind of header reaches both applications as the same request.
 * <p>
 * Both servers of a pair get each case at the same time, so that the cases that wait for a
 * deadline cost it once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BothServersBadInputTests {

	private static final int MAX_VARS_SIZE = 2048;

	private static final int MAX_VARS = 40;

	private static final long MAX_BODY_SIZE = 1000;

	private static final Duration HEADER_TIMEOUT = Duration.ofMillis(400);

	private static final Duration BODY_IDLE_TIMEOUT = Duration.ofMillis(400);

	private static final Duration LINGER_TIMEOUT = Duration.ofSeconds(2);

	/** How late a close at a deadline may come. */
	/** How much earlier than this client the server may start a deadline's clock: at its accept. */
	private static final Duration ACCEPT_TO_SEND = Duration.ofMillis(50);

	private static final Duration DEADLINE_TOLERANCE = Duration.ofMillis(300);

	/** The longest any exchange of these tests may take: every deadline above, with room. */
	private static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(3);

	private static final String SECRET = "s3cret";

	/** Loopback is not among them: every TCP request to the guarded servers is refused. */
	private static final String ALLOWED_CLIENTS = "192.0.2.0/24";

	private static final Logger refusalLog = Logger.getLogger(UwsgiRefusalLog.class.getName());

	private final LogLines logCapture = new LogLines(Level.ALL);

	private final List<String> logLines = this.logCapture.lines();

	private Path temp;

	private final List<AutoCloseable> started = new ArrayList<>();

	private Server nettyOpen;

	private Server tomcatOpen;

	private Server nettyGuarded;

	private Server tomcatGuarded;

	@BeforeAll
	void start(@TempDir Path temp) throws Exception {
		this.temp = temp;
		CompletableFuture<Server> tomcatOpen = CompletableFuture.supplyAsync(() -> startTomcat("tomcat-open.sock"));
		CompletableFuture<Server> tomcatGuarded = CompletableFuture.supplyAsync(() -> startTomcat("tomcat-guarded.sock",
				"uwsgi.allowed-clients=" + ALLOWED_CLIENTS, "uwsgi.shared-secret.value=" + SECRET));
		this.nettyOpen = startNetty("netty-open.sock", UwsgiAccessPolicy.OPEN);
		this.nettyGuarded = startNetty("netty-guarded.sock", new UwsgiAccessPolicy(
				List.of(UwsgiAccessPolicy.Network.parse(ALLOWED_CLIENTS)), "PROXY_SECRET", SECRET));
		this.tomcatOpen = tomcatOpen.get(30, TimeUnit.SECONDS);
		this.tomcatGuarded = tomcatGuarded.get(30, TimeUnit.SECONDS);
		// after Spring Boot has set up logging: the refusal log must reach this handler at every level used
		this.logCapture.captureFrom(refusalLog);
	}

	@AfterAll
	void stop() throws Exception {
		refusalLog.removeHandler(this.logCapture);
		for (AutoCloseable server : this.started) {
			server.close();
		}
	}

	private Server startNetty(String socketName, UwsgiAccessPolicy policy) {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Path socket = this.temp.resolve(socketName);
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, socket, null,
				new UwsgiLimits(MAX_VARS_SIZE, MAX_VARS, MAX_BODY_SIZE, HEADER_TIMEOUT, BODY_IDLE_TIMEOUT),
				LINGER_TIMEOUT, null, policy, -1), () -> ECHO, List.of(new UwsgiServerMeters(registry)));
		server.start();
		this.started.add(server::stop);
		return new Server("Netty", server.tcpAddress(), UnixDomainSocketAddress.of(socket), registry);
	}

	private Server startTomcat(String socketName, String... extraProperties) {
		Path socket = this.temp.resolve(socketName);
		List<String> properties = new ArrayList<>(List.of("server.port=-1", "uwsgi.port=0",
				"uwsgi.unix-socket.path=" + socket, "uwsgi.max-vars-size=" + MAX_VARS_SIZE + "B",
				"uwsgi.max-vars=" + MAX_VARS, "uwsgi.max-body-size=" + MAX_BODY_SIZE + "B",
				"uwsgi.header-timeout=" + HEADER_TIMEOUT.toMillis() + "ms",
				"uwsgi.body-idle-timeout=" + BODY_IDLE_TIMEOUT.toMillis() + "ms",
				"uwsgi.linger-timeout=" + LINGER_TIMEOUT.toMillis() + "ms", "spring.main.banner-mode=off"));
		properties.addAll(List.of(extraProperties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(MvcEchoApplication.class)
			.web(WebApplicationType.SERVLET)
			.properties(properties.toArray(String[]::new))
			.run();
		synchronized (this.started) {
			this.started.add(context);
		}
		int port = context.getEnvironment().getRequiredProperty("local.uwsgi.port", Integer.class);
		return new Server("Tomcat", new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
				UnixDomainSocketAddress.of(socket), context.getBean(MeterRegistry.class));
	}

	// ---------------------------------------------------------------------------------------------
	// The cases
	// ---------------------------------------------------------------------------------------------

	static Stream<Case> sameOnBoth() {
		return Stream.of(
				// docs: modifier1 other than 0 or 100: closed without a response
				Case.refused("modifier1 22 (uWSGI's eval)", header(22, 0, 0), Reason.UNSUPPORTED_MODIFIER),
				// docs: a plain HTTP request sent to the uwsgi port: 400 explaining to use uwsgi_pass
				Case.refused("plain HTTP sent to the uwsgi port",
						"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
						Reason.HTTP_ON_UWSGI_PORT),
				// docs: vars block larger than uwsgi.max-vars-size: 431 (the header alone tells it)
				Case.refused("vars block over max-vars-size", header(0, MAX_VARS_SIZE + 1, 0), Reason.VARS_TOO_LARGE),
				// docs: more vars than uwsgi.max-vars: 431
				Case.refused("more vars than max-vars", packet(tooManyVars()), Reason.TOO_MANY_VARS),
				// docs: CONTENT_LENGTH larger than uwsgi.max-body-size: 413 before any of the body is read
				Case.refused("CONTENT_LENGTH over max-body-size",
						packet(get("POST"), var("CONTENT_LENGTH", "" + (MAX_BODY_SIZE + 1))), Reason.BODY_TOO_LARGE),
				// ... and no reset while the peer still sends the declared body after the answer
				Case.refused("CONTENT_LENGTH over max-body-size, the body sent after the 413",
						packet(get("POST"), var("CONTENT_LENGTH", "" + (MAX_BODY_SIZE + 1))), Reason.BODY_TOO_LARGE,
						new byte[(int) MAX_BODY_SIZE + 1]),
				// docs: a var whose lengths run past the block: 400
				Case.refused("var value length past the block", concat(header(0, 6, 0), new byte[] {
						1, 0, // key size 1
						'A', // key
						9, 0, // value size 9: the block has 1 byte left
						'B' }), Reason.MALFORMED_VARS),
				// docs: a block ending inside a var: 400
				Case.refused("block ends inside a var name length", concat(header(0, 1, 0), new byte[] {
						1 }), // half of a key size
						Reason.MALFORMED_VARS),
				// docs: a var with an empty name: 400
				Case.refused("var with an empty name", concat(header(0, 5, 0), new byte[] {
						0, 0, // key size 0
						1, 0, // value size 1
						'x' }), Reason.EMPTY_VAR_NAME),
				// docs: missing or invalid REQUEST_METHOD: 400
				Case.refused("REQUEST_METHOD missing", packet(var("REQUEST_URI", "/")), Reason.INVALID_REQUEST_METHOD),
				Case.refused("REQUEST_METHOD not a token",
						packet(var("REQUEST_METHOD", "GE T"), var("REQUEST_URI", "/")), Reason.INVALID_REQUEST_METHOD),
				// docs: REQUEST_URI with a space or control character: 400
				Case.refused("REQUEST_URI with a space",
						packet(var("REQUEST_METHOD", "GET"), var("REQUEST_URI", "/a b")), Reason.INVALID_REQUEST_URI),
				Case.refused("REQUEST_URI with a control character",
						packet(var("REQUEST_METHOD", "GET"), var("REQUEST_URI", "/a\u0001b")), Reason.INVALID_REQUEST_URI),
				// docs: HTTP_TRANSFER_ENCODING without CONTENT_LENGTH: 411
				Case.refused("chunked body without CONTENT_LENGTH",
						packet(get("POST"), var("HTTP_TRANSFER_ENCODING", "chunked")), Reason.LENGTH_REQUIRED),
				// docs: CONTENT_LENGTH not a decimal number (negative, non-numeric, over 18 digits): 400
				Case.refused("CONTENT_LENGTH negative", packet(get("POST"), var("CONTENT_LENGTH", "-1")),
						Reason.INVALID_CONTENT_LENGTH),
				Case.refused("CONTENT_LENGTH non-numeric", packet(get("POST"), var("CONTENT_LENGTH", "ten")),
						Reason.INVALID_CONTENT_LENGTH),
				Case.refused("CONTENT_LENGTH of 19 digits",
						packet(get("POST"), var("CONTENT_LENGTH", "1000000000000000000")), Reason.INVALID_CONTENT_LENGTH),
				// docs: an HTTP_* var with an invalid header name, or CR, LF or NUL in its value: 400
				Case.refused("header var with an invalid name", packet(get("GET"), var("HTTP_X(Y", "1")),
						Reason.INVALID_HEADER),
				Case.refused("header var with CR LF in its value", packet(get("GET"), var("HTTP_X_A", "1\r\nX-B: 2")),
						Reason.INVALID_HEADER),
				Case.refused("header var with NUL in its value", packet(get("GET"), var("HTTP_X_A", "1\0")),
						Reason.INVALID_HEADER),
				// docs: a ping is answered 64 00 00 01 and the connection closed
				Case.served("ping", header(100, 0, 0), "d\0\0\u0001"),
				// docs: bytes after the body (a second packet) are discarded
				Case.served("bytes after the body", concat(packet(get("POST"), var("CONTENT_LENGTH", "3")),
						"abcdef".getBytes(StandardCharsets.US_ASCII)), "body=abc"),
				Case.served("second packet on the connection", concat(packet(get("GET")), packet(get("DELETE"))),
						"method=GET"));
	}

	static Stream<Case> sameOnBothOverUnixSockets() {
		return Stream.of(
				Case.refused("modifier1 22 (uWSGI's eval)", header(22, 0, 0), Reason.UNSUPPORTED_MODIFIER),
				Case.refused("var value length past the block", concat(header(0, 6, 0), new byte[] {
						1, 0, 'A', 9, 0, 'B' }), Reason.MALFORMED_VARS),
				Case.refused("CONTENT_LENGTH over max-body-size",
						packet(get("POST"), var("CONTENT_LENGTH", "" + (MAX_BODY_SIZE + 1))), Reason.BODY_TOO_LARGE),
				Case.refused("vars block over max-vars-size", header(0, MAX_VARS_SIZE + 1, 0), Reason.VARS_TOO_LARGE),
				Case.served("ping", header(100, 0, 0), "d\0\0\u0001"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("sameOnBoth")
	void badInputOverTcp(Case badInput) throws Exception {
		assertSameOnBoth(badInput, this.nettyOpen, this.tomcatOpen, Server::tcp);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("sameOnBothOverUnixSockets")
	void badInputOverUnixSockets(Case badInput) throws Exception {
		assertSameOnBoth(badInput, this.nettyOpen, this.tomcatOpen, Server::unix);
	}

	@Test
	void clientNotAllowedIsAnswered403() throws Exception {
		assertSameOnBoth(Case.refused("GET from loopback, not an allowed client", packet(get("GET")),
				Reason.CLIENT_NOT_ALLOWED), this.nettyGuarded, this.tomcatGuarded, Server::tcp);
	}

	@Test
	void pingIsAnsweredBeforeAccessChecks() throws Exception {
		assertSameOnBoth(Case.served("ping from a client not allowed", header(100, 0, 0), "d\0\0\u0001"),
				this.nettyGuarded, this.tomcatGuarded, Server::tcp);
	}

	@Test
	void missingSecretIsAnswered403() throws Exception {
		// a unix socket peer passes the allowed-clients check: only the secret is missing
		assertSameOnBoth(Case.refused("GET without the shared secret", packet(get("GET")), Reason.SECRET_MISMATCH),
				this.nettyGuarded, this.tomcatGuarded, Server::unix);
	}

	@Test
	void wrongSecretIsAnswered403() throws Exception {
		assertSameOnBoth(Case.refused("GET with a wrong shared secret",
				packet(get("GET"), var("PROXY_SECRET", "guess")), Reason.SECRET_MISMATCH), this.nettyGuarded,
				this.tomcatGuarded, Server::unix);
	}

	// ---------------------------------------------------------------------------------------------
	// Deadlines, truncation and the status line: the cases where the servers once differed
	// ---------------------------------------------------------------------------------------------

	@Test
	void bodyTooLargeIsAnsweredWithTheSameStatusLine() throws Exception {
		byte[] bytes = packet(get("POST"), var("CONTENT_LENGTH", "" + (MAX_BODY_SIZE + 1)));
		List<Outcome> outcomes = assertSameOnBoth(Case.refused("CONTENT_LENGTH over max-body-size", bytes,
				Reason.BODY_TOO_LARGE), this.nettyOpen, this.tomcatOpen, Server::tcp);
		assertThat(outcomes.get(1).statusLine()).as("Tomcat's status line, against Netty's")
			.isEqualTo(outcomes.get(0).statusLine());
	}

	@Test
	void connectionClosedInsideThePacketIsLoggedAlike() throws Exception {
		// docs: connection closed inside the header or the vars: closed
		assertSameOnBoth(Case.truncated("connection closed inside the header", new byte[] {
				0, // modifier1
				10 }), // half of the vars block's size, then the end
				this.nettyOpen, this.tomcatOpen, Server::tcp);
		assertSameOnBoth(Case.truncated("connection closed inside the vars", concat(header(0, 10, 0), new byte[] {
				3, 0, // key size 3
				'K' })), // 1 of 3 key bytes, then the end
				this.nettyOpen, this.tomcatOpen, Server::tcp);
	}

	@Test
	void incompleteHeaderOrVarsAreClosedAtTheDeadlineAndLoggedAlike() throws Exception {
		// docs: header and vars not complete within uwsgi.header-timeout: closed
		assertSameOnBoth(Case.refused("header never completed", new byte[] {
				0, // modifier1
				10 }, // half of the vars block's size, then silence
				Reason.HEADER_TIMEOUT), this.nettyOpen, this.tomcatOpen, Server::tcp);
		assertSameOnBoth(Case.refused("vars never completed", concat(header(0, 10, 0), new byte[] {
				3, 0, // key size 3
				'K' }), // 1 of 3 key bytes, then silence
				Reason.HEADER_TIMEOUT), this.nettyOpen, this.tomcatOpen, Server::tcp);
	}

	@Test
	void silentConnectionIsClosedAtTheHeaderDeadlineLoggedAndCounted() throws Exception {
		// docs: a connection that sends nothing: closed at uwsgi.header-timeout
		assertSameOnBoth(Case.refused("silent connection", new byte[0], Reason.HEADER_TIMEOUT), this.nettyOpen,
				this.tomcatOpen, Server::tcp);
	}

	@Test
	void stalledBodyIsClosedWithoutAResponse() throws Exception {
		// docs: a body that stalls longer than uwsgi.body-idle-timeout while the application waits: closed
		assertSameOnBoth(Case.refused("body stalls", concat(packet(get("POST"), var("CONTENT_LENGTH", "10")),
				"abc".getBytes(StandardCharsets.US_ASCII)), // 3 of 10 body bytes, then silence
				Reason.BODY_TIMEOUT), this.nettyOpen, this.tomcatOpen, Server::tcp);
	}

	@Test
	void validRequestWithEveryKindOfHeaderReachesBothApplicationsAlike() throws Exception {
		byte[] request = packet(
				var("REQUEST_METHOD", "POST"),
				var("REQUEST_URI", "/shop/echo/a%20b?x=1&y=%2F"),
				var("SCRIPT_NAME", "/shop"), // the mount prefix: the context path
				var("PATH_INFO", "/echo/a b"),
				var("QUERY_STRING", "x=1&y=%2F"),
				var("SERVER_PROTOCOL", "HTTP/2.0"), // the client's connection to the proxy: ignored
				var("SERVER_NAME", "ignored.example"), // HTTP_HOST wins
				var("SERVER_PORT", "80"),
				var("REQUEST_SCHEME", "http"),
				var("HTTPS", "on"), // https wins
				var("REMOTE_ADDR", "203.0.113.7"),
				var("REMOTE_PORT", "50123"),
				var("CONTENT_TYPE", "text/plain"),
				var("CONTENT_LENGTH", "5"),
				var("HTTP_CONTENT_TYPE", "text/plain"), // nginx's copies: not doubled
				var("HTTP_CONTENT_LENGTH", "5"),
				var("HTTP_HOST", "example.com:8443"),
				var("HTTP_COOKIE", "a=1"), // one var per cookie header: joined with "; "
				var("HTTP_COOKIE", "b=2"),
				var("HTTP_ACCEPT", "text/plain"), // sent twice: a multi-valued header
				var("HTTP_ACCEPT", "*/*"),
				var("HTTP_X_FORWARDED_FOR", "198.51.100.1"),
				var("HTTP_X_EMPTY", ""), // empty values are legal
				var("HTTP_CONNECTION", "keep-alive"), // hop-by-hop: not headers
				var("HTTP_KEEP_ALIVE", "300"),
				var("HTTP_TRANSFER_ENCODING", "chunked"),
				var("HTTP_TE", "trailers"),
				var("HTTP_EXPECT", "100-continue"),
				var("UWSGI_SCRIPT", "evil"), // not HTTP_*: not headers
				var("PATH", "/usr/bin"));
		Case valid = Case.served("valid request", concat(request, "hello".getBytes(StandardCharsets.US_ASCII)),
				"""
						method=POST
						uri=/shop/echo/a%20b?x=1&y=%2F
						context=/shop
						scheme=https
						host=example.com:8443
						remote=203.0.113.7:50123
						header accept=[text/plain, */*]
						header content-length=[5]
						header content-type=[text/plain]
						header cookie=[a=1; b=2]
						header host=[example.com:8443]
						header x-empty=[]
						header x-forwarded-for=[198.51.100.1]
						body=hello""");
		assertSameOnBoth(valid, this.nettyOpen, this.tomcatOpen, Server::tcp);
	}

	// ---------------------------------------------------------------------------------------------
	// Assertions
	// ---------------------------------------------------------------------------------------------

	private List<Outcome> assertSameOnBoth(Case badInput, Server netty, Server tomcat,
			Function<Server, SocketAddress> transport) throws Exception {
		resetRefusalLogRateLimit();
		int firstLine = this.logLines.size();
		CompletableFuture<Outcome> onNetty = CompletableFuture
			.supplyAsync(() -> exchange(badInput, netty, transport, firstLine));
		CompletableFuture<Outcome> onTomcat = CompletableFuture
			.supplyAsync(() -> exchange(badInput, tomcat, transport, firstLine));
		Outcome nettyOutcome = onNetty.get(10, TimeUnit.SECONDS);
		Outcome tomcatOutcome = onTomcat.get(10, TimeUnit.SECONDS);
		nettyOutcome.assertAsExpected(badInput);
		tomcatOutcome.assertAsExpected(badInput);
		assertThat(tomcatOutcome.logLines()).as("Tomcat's log line, against Netty's").isEqualTo(nettyOutcome.logLines());
		return List.of(nettyOutcome, tomcatOutcome);
	}

	private Outcome exchange(Case badInput, Server server, Function<Server, SocketAddress> transport, int firstLine) {
		SocketAddress address = transport.apply(server);
		String transportTag = (address instanceof InetSocketAddress) ? "tcp" : "unix";
		Map<String, Double> rejectedBefore = rejected(server.registry());
		try (RawUwsgiConnection connection = RawUwsgiConnection.connect(address)) {
			String peer = connection.peer(address);
			connection.send(badInput.bytes(), EXCHANGE_TIMEOUT);
			Received response;
			if (badInput.answered()) {
				// as nginx does: read the response, then close, while the server may still linger
				response = connection.readResponse(EXCHANGE_TIMEOUT);
				connection.send(badInput.afterAnswer(), EXCHANGE_TIMEOUT);
				connection.shutdownOutput();
			}
			else {
				if (badInput.clientEnds()) {
					connection.shutdownOutput();
				}
				response = null;
			}
			Received end = connection.readToEnd(EXCHANGE_TIMEOUT);
			Map<String, Double> rejectedAfter = awaitRejected(server.registry(), rejectedBefore, badInput.reason());
			List<String> lines = new ArrayList<>();
			for (String line : this.logLines.subList(firstLine, this.logLines.size())) {
				if (line.contains(peer + ": ")) {
					lines.add(line.replace(peer, "<peer>"));
				}
			}
			return new Outcome(server.name() + " over " + transportTag, (response != null) ? response : end, end,
					lines, difference(rejectedBefore, rejectedAfter), transportTag);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Wait until the refusal has been counted (counted on the server's threads, maybe after the
	 * close), then a little longer for any count that should not come.
	 */
	private static Map<String, Double> awaitRejected(MeterRegistry registry, Map<String, Double> before,
			Reason reason) {
		long deadline = System.nanoTime() + Duration.ofMillis(500).toNanos();
		Map<String, Double> now = rejected(registry);
		while (reason != null && difference(before, now).isEmpty() && System.nanoTime() < deadline) {
			sleep(Duration.ofMillis(10));
			now = rejected(registry);
		}
		sleep(Duration.ofMillis(50));
		return rejected(registry);
	}

	private static Map<String, Double> rejected(MeterRegistry registry) {
		Map<String, Double> counts = new TreeMap<>();
		for (Counter counter : registry.find(UwsgiServerMeters.PACKETS_REJECTED).counters()) {
			counts.put(counter.getId().getTag("transport") + " " + counter.getId().getTag("reason"), counter.count());
		}
		return counts;
	}

	private static Map<String, Double> difference(Map<String, Double> before, Map<String, Double> after) {
		Map<String, Double> difference = new TreeMap<>();
		after.forEach((name, count) -> {
			double delta = count - before.getOrDefault(name, 0.0);
			if (delta != 0) {
				difference.put(name, delta);
			}
		});
		return difference;
	}

	/**
	 * The refusal log writes at most 10 lines a second for the whole JVM: start each case with a
	 * fresh second, so that every refusal of these tests is written.
	 */
	private static void resetRefusalLogRateLimit() throws ReflectiveOperationException {
		Field instance = UwsgiRefusalLog.class.getDeclaredField("LOG");
		instance.setAccessible(true);
		Object log = instance.get(null);
		Field windowStart = UwsgiRefusalLog.class.getDeclaredField("windowStart");
		windowStart.setAccessible(true);
		((AtomicLong) windowStart.get(log)).set(System.nanoTime() - TimeUnit.SECONDS.toNanos(2));
		Field suppressed = UwsgiRefusalLog.class.getDeclaredField("suppressed");
		suppressed.setAccessible(true);
		((AtomicLong) suppressed.get(log)).set(0);
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A server under test.
	 * @param name Netty or Tomcat
	 * @param tcp its TCP address
	 * @param unix its unix socket
	 * @param registry the registry of its {@link UwsgiServerMeters}
	 */
	record Server(String name, InetSocketAddress tcp, UnixDomainSocketAddress unix, MeterRegistry registry) {
	}

	/**
	 * Bytes to send and what both servers must do with them.
	 * @param name the case, for the report
	 * @param bytes what the client sends
	 * @param clientEnds whether the client signals the end of its output (FIN) once it has sent
	 * them, rather than wait for the server
	 * @param reason the refusal, {@code null} for input that is served
	 * @param expectedBody for input that is served: what the response (a pong: the whole response)
	 * must contain
	 */
	record Case(String name, byte[] bytes, boolean clientEnds, Reason reason, String expectedBody,
			byte[] afterAnswer) {

		/**
		 * Refused, answered or closed as {@code reason} says. An answer is read, then the client
		 * ends its output as nginx would; a close is waited for.
		 */
		static Case refused(String name, byte[] bytes, Reason reason) {
			return refused(name, bytes, reason, new byte[0]);
		}

		/**
		 * Refused with an answer, after which the client still sends {@code afterAnswer} (the
		 * declared body, as nginx streams it) before it ends its output.
		 */
		static Case refused(String name, byte[] bytes, Reason reason, byte[] afterAnswer) {
			return new Case(name, bytes, false, reason, null, afterAnswer);
		}

		/** The client ends its output after these bytes, mid-packet. */
		static Case truncated(String name, byte[] bytes) {
			return new Case(name, bytes, true, Reason.TRUNCATED_PACKET, null, new byte[0]);
		}

		/** Served, with a response or a pong; the client ends its output once it has sent it all. */
		static Case served(String name, byte[] bytes, String expectedBody) {
			return new Case(name, bytes, true, null, expectedBody, new byte[0]);
		}

		boolean answered() {
			return this.reason != null && this.reason.answered();
		}

		@Override
		public String toString() {
			return this.name;
		}

	}

	/**
	 * What one server did with a case.
	 * @param server the server and transport
	 * @param response what was read until the response was complete
	 * @param end what was read until the server ended the connection, and how it did
	 * @param logLines the refusal log lines about this connection, the peer written {@code <peer>}
	 * @param rejected the change of the rejected-packet counters, by transport and reason
	 * @param transport the transport tag
	 */
	record Outcome(String server, Received response, Received end, List<String> logLines, Map<String, Double> rejected,
			String transport) {

		String statusLine() {
			String bytes = this.end.bytes();
			int lineEnd = bytes.indexOf("\r\n");
			return (lineEnd >= 0) ? bytes.substring(0, lineEnd) : bytes;
		}

		void assertAsExpected(Case badInput) {
			String as = this.server + ", " + badInput.name() + ": " + this;
			assertThat(this.end.end()).as(as + ": an orderly close, within the deadline").isEqualTo(End.EOF);
			Reason reason = badInput.reason();
			if (reason == null) {
				assertThat(this.end.bytes()).as(as).contains(badInput.expectedBody());
				assertThat(this.logLines).as(as + ": nothing logged").isEmpty();
				assertThat(this.rejected).as(as + ": nothing counted").isEmpty();
				return;
			}
			if (reason == Reason.HTTP_ON_UWSGI_PORT) {
				assertThat(this.end.bytes()).as(as)
					.isEqualTo(new String(UwsgiPacketHeader.notUwsgiResponse(), StandardCharsets.ISO_8859_1));
			}
			else if (reason.answered()) {
				assertThat(this.end.bytes()).as(as).startsWith("HTTP/1.1 " + reason.status() + " ");
				assertThat(this.end.bytes().toLowerCase()).as(as + ": no body").contains("\r\ncontent-length: 0\r\n")
					.endsWith("\r\n\r\n");
			}
			else {
				assertThat(this.end.bytes()).as(as + ": closed without a response").isEmpty();
			}
			Duration deadline = switch (reason) {
				case HEADER_TIMEOUT -> HEADER_TIMEOUT;
				case BODY_TIMEOUT -> BODY_IDLE_TIMEOUT;
				default -> Duration.ZERO;
			};
			if (!deadline.isZero()) {
				// the server's deadline starts at its accept, a little before this client's clock
				assertThat(this.end.elapsed()).as(as + ": closed at its deadline")
					.isBetween(deadline.minus(ACCEPT_TO_SEND), deadline.plus(DEADLINE_TOLERANCE));
			}
			String what = (reason == Reason.TRUNCATED_PACKET) ? "Closed uwsgi connection from <peer>: "
					: "Refused uwsgi packet from <peer>: ";
			assertThat(this.logLines).as(as + ": one log line")
				.singleElement(InstanceOfAssertFactories.STRING)
				.startsWith(what + reason.description() + ": ");
			assertThat(this.rejected).as(as + ": counted once").isEqualTo(Map.of(this.transport + " " + reason.name(), 1.0));
		}

	}

	// ---------------------------------------------------------------------------------------------
	// The bytes, built by hand
	// ---------------------------------------------------------------------------------------------

	/** A packet header: modifier1, the vars block's size (u16 little-endian), modifier2. */
	static byte[] header(int modifier1, int varsSize, int modifier2) {
		return new byte[] { (byte) modifier1, // modifier1
				(byte) varsSize, // datasize, low byte
				(byte) (varsSize >>> 8), // datasize, high byte
				(byte) modifier2 }; // modifier2
	}

	/** One var: key size (u16 little-endian), key, value size (u16 little-endian), value. */
	static byte[] var(String name, String value) {
		byte[] key = name.getBytes(StandardCharsets.ISO_8859_1);
		byte[] val = value.getBytes(StandardCharsets.ISO_8859_1);
		ByteArrayOutputStream var = new ByteArrayOutputStream();
		var.write(key.length & 0xFF); // key size, low byte
		var.write(key.length >>> 8); // key size, high byte
		var.writeBytes(key);
		var.write(val.length & 0xFF); // value size, low byte
		var.write(val.length >>> 8); // value size, high byte
		var.writeBytes(val);
		return var.toByteArray();
	}

	/** A request packet, modifier1 0 and modifier2 0, of these vars and no body. */
	static byte[] packet(byte[]... vars) {
		byte[] block = concat(vars);
		return concat(header(0, block.length, 0), block);
	}

	/** {@code REQUEST_METHOD} and {@code REQUEST_URI} of a request to the echo handler. */
	static byte[] get(String method) {
		return concat(var("REQUEST_METHOD", method), var("REQUEST_URI", "/echo"));
	}

	static byte[] tooManyVars() {
		byte[][] vars = new byte[MAX_VARS + 1][];
		vars[0] = get("GET");
		for (int i = 1; i < vars.length; i++) {
			vars[i] = var("V" + i, "");
		}
		return concat(vars);
	}

	static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			all.writeBytes(part);
		}
		return all.toByteArray();
	}

	// ---------------------------------------------------------------------------------------------
	// The two applications: each echoes the request it sees, in the same format
	// ---------------------------------------------------------------------------------------------

	static String describe(String method, String uri, String contextPath, String scheme, String host, String remote,
			Map<String, List<String>> headers, byte[] body) {
		StringBuilder description = new StringBuilder();
		description.append("method=").append(method).append('\n');
		description.append("uri=").append(uri).append('\n');
		description.append("context=").append(contextPath).append('\n');
		description.append("scheme=").append(scheme).append('\n');
		description.append("host=").append(host).append('\n');
		description.append("remote=").append(remote).append('\n');
		new TreeMap<>(headers).forEach((name, values) -> description.append("header ")
			.append(name)
			.append('=')
			.append(values.stream().filter((value) -> !value.isEmpty()).toList())
			.append('\n'));
		description.append("body=").append(new String(body, StandardCharsets.ISO_8859_1));
		return description.toString();
	}

	private static String hostAndPort(String scheme, String host, int port) {
		boolean defaultPort = port < 0 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
		return defaultPort ? host : host + ":" + port;
	}

	/** The WebFlux application: describes the request. */
	private static final HttpHandler ECHO = (request, response) -> DataBufferUtils.join(request.getBody())
		.map((buffer) -> {
			byte[] bytes = new byte[buffer.readableByteCount()];
			buffer.read(bytes);
			DataBufferUtils.release(buffer);
			return bytes;
		})
		.defaultIfEmpty(new byte[0])
		.flatMap((body) -> response.writeWith(Mono.just(response.bufferFactory()
			.wrap(describe(request, body).getBytes(StandardCharsets.ISO_8859_1)))));

	private static String describe(ServerHttpRequest request, byte[] body) {
		Map<String, List<String>> headers = new TreeMap<>();
		request.getHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values));
		String query = request.getURI().getRawQuery();
		String scheme = request.getURI().getScheme();
		InetSocketAddress remote = request.getRemoteAddress();
		return describe(request.getMethod().name(), request.getURI().getRawPath() + ((query != null) ? "?" + query : ""),
				request.getPath().contextPath().value(), scheme,
				hostAndPort(scheme, request.getURI().getHost(), request.getURI().getPort()),
				(remote != null) ? remote.getAddress().getHostAddress() + ":" + remote.getPort() : "none", headers,
				body);
	}

	/** The Spring MVC application on Tomcat: describes the request. */
	@RestController
	static class EchoController {

		@RequestMapping("/**")
		String echo(HttpServletRequest request) throws IOException {
			Map<String, List<String>> headers = new TreeMap<>();
			for (String name : Collections.list(request.getHeaderNames())) {
				headers.put(name.toLowerCase(), Collections.list(request.getHeaders(name)));
			}
			String query = request.getQueryString();
			return describe(request.getMethod(), request.getRequestURI() + ((query != null) ? "?" + query : ""),
					request.getContextPath(), request.getScheme(),
					hostAndPort(request.getScheme(), request.getServerName(), request.getServerPort()),
					request.getRemoteAddr() + ":" + request.getRemotePort(), headers,
					request.getInputStream().readAllBytes());
		}

	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, UwsgiMetricsAutoConfiguration.class, UwsgiTomcatAutoConfiguration.class,
			UwsgiWebMvcAutoConfiguration.class })
	static class MvcEchoApplication {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		EchoController echoController() {
			return new EchoController();
		}

	}

}
