package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.uwsgispringboot.actuate.UwsgiServerMeters;
import io.github.uwsgispringboot.autoconfigure.UwsgiMetricsAutoConfiguration;
import io.github.uwsgispringboot.autoconfigure.UwsgiTomcatAutoConfiguration;
import io.github.uwsgispringboot.autoconfigure.UwsgiWebMvcAutoConfiguration;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiRequestTimeout;
import io.github.uwsgispringboot.server.RawUwsgiConnection.End;
import io.github.uwsgispringboot.server.RawUwsgiConnection.Received;

import static io.github.uwsgispringboot.server.BothServersBadInputTests.packet;
import static io.github.uwsgispringboot.server.BothServersBadInputTests.var;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request timeout ({@code uwsgi.request-timeout}, uWSGI's harakiri) on both servers, the
 * Reactor Netty {@link UwsgiServer} and the Tomcat connector behind a Spring MVC application, over
 * TCP and a unix socket: a request that hangs is answered 504 at its deadline and its handler is
 * cancelled (the subscription, or an interrupt of the request's thread); a response that had
 * started is cut as a failed response is; a stream is timed to its first byte only; each timeout
 * is logged once, with the thread's stack on Tomcat, and counted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class BothServersRequestTimeoutTests {

	private static final Duration TIMEOUT = Duration.ofMillis(500);

	/** How late a timeout may come on a loaded machine: the timer looks every 50 ms. */
	private static final Duration TOLERANCE = Duration.ofMillis(1500);

	private static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(10);

	private static final Logger timeoutLog = Logger.getLogger(UwsgiRequestTimeout.LOGGER_NAME);

	private final LogLines logCapture = new LogLines(Level.ALL);

	private final List<String> logLines = this.logCapture.lines();

	private final List<AutoCloseable> started = new ArrayList<>();

	private Server netty;

	private Server tomcat;

	/** The handlers count down when they are cancelled or interrupted. */
	static volatile CountDownLatch cancelled = new CountDownLatch(1);

	enum Transport {

		TCP(Server::tcp, "tcp"), UNIX(Server::unix, "unix");

		private final Function<Server, SocketAddress> address;

		private final String tag;

		Transport(Function<Server, SocketAddress> address, String tag) {
			this.address = address;
			this.tag = tag;
		}

	}

	record Server(String name, SocketAddress tcp, SocketAddress unix, MeterRegistry registry) {

		double cut(Transport transport) {
			Counter counter = this.registry.find(UwsgiServerMeters.RESPONSES_CUT).tag("transport", transport.tag).counter();
			return (counter != null) ? counter.count() : 0;
		}

		double timedOut(Transport transport) {
			Counter counter = this.registry.find(UwsgiServerMeters.REQUESTS_TIMED_OUT)
				.tag("transport", transport.tag)
				.counter();
			return (counter != null) ? counter.count() : 0;
		}

		long answered(Transport transport, int status) {
			Timer timer = this.registry.find(UwsgiServerMeters.REQUESTS)
				.tags("transport", transport.tag, "status", Integer.toString(status))
				.timer();
			return (timer != null) ? timer.count() : 0;
		}

	}

	@BeforeAll
	void start(@TempDir Path temp) throws Exception {
		CompletableFuture<Server> tomcat = CompletableFuture.supplyAsync(() -> startTomcat(temp.resolve("tomcat.sock")));
		this.netty = startNetty(temp.resolve("netty.sock"));
		this.tomcat = tomcat.get(30, TimeUnit.SECONDS);
		this.logCapture.captureFrom(timeoutLog);
	}

	@AfterAll
	void stop() throws Exception {
		timeoutLog.removeHandler(this.logCapture);
		for (AutoCloseable server : this.started) {
			server.close();
		}
	}

	@BeforeEach
	void reset() {
		this.logLines.clear();
		cancelled = new CountDownLatch(1);
	}

	private Server startNetty(Path socket) {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		UwsgiLimits limits = UwsgiLimits.NONE.withRequestTimeout(UwsgiRequestTimeout.of(TIMEOUT));
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, socket, null,
				limits, Duration.ofSeconds(1), null, UwsgiAccessPolicy.OPEN, -1), () -> WEBFLUX,
				List.of(new UwsgiServerMeters(registry)));
		server.start();
		this.started.add(server::stop);
		return new Server("Netty", server.tcpAddress(), UnixDomainSocketAddress.of(socket), registry);
	}

	private Server startTomcat(Path socket) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(MvcApplication.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=-1", "uwsgi.port=0", "uwsgi.unix-socket.path=" + socket,
					"uwsgi.request-timeout=" + TIMEOUT.toMillis() + "ms",
					// one request thread: the request after a timeout runs on the interrupted thread
					"server.tomcat.threads.max=1", "server.tomcat.threads.min-spare=1", "spring.main.banner-mode=off")
			.run();
		synchronized (this.started) {
			this.started.add(context);
		}
		int port = context.getEnvironment().getRequiredProperty("local.uwsgi.port", Integer.class);
		return new Server("Tomcat", new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
				UnixDomainSocketAddress.of(socket), context.getBean(MeterRegistry.class));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void hangingRequestIsAnswered504AtItsDeadline(Transport transport) throws Exception {
		for (Server server : List.of(this.netty, this.tomcat)) {
			reset();
			String as = server.name() + " over " + transport;
			double timedOut = server.timedOut(transport);
			double cut = server.cut(transport);
			long answered504 = server.answered(transport, 504);
			Received received = exchange(server, transport, "/hang");
			assertThat(received.bytes()).as(as).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
			assertThat(received.bytes().toLowerCase()).as(as + ": no body")
				.contains("\r\ncontent-length: 0\r\n")
				.endsWith("\r\n\r\n");
			assertThat(received.end()).as(as + ": an orderly end").isEqualTo(End.EOF);
			assertThat(received.elapsed()).as(as + ": at the deadline").isBetween(TIMEOUT, TIMEOUT.plus(TOLERANCE));
			assertThat(cancelled.await(5, TimeUnit.SECONDS)).as(as + ": the handler was cancelled").isTrue();
			assertThat(this.logLines).as(as + ": one log line")
				.singleElement()
				.satisfies((line) -> assertThat(line).startsWith("uwsgi request timed out after ")
					.contains(" ms (request timeout 500 ms): GET /hang from 203.0.113.9 over " + transport.tag
							+ "; answered 504"));
			if (server == this.tomcat) {
				assertThat(this.logLines.get(0)).as(as + ": where the request's thread was")
					.contains("; thread \"")
					.containsPattern("\tat \\S*java\\.lang\\.Thread\\.sleep")
					.contains("TimedController.hang(");
			}
			else {
				assertThat(this.logLines.get(0)).as(as + ": an event loop server has no thread to show")
					.doesNotContain("thread");
			}
			assertThat(server.timedOut(transport)).as(as + ": counted").isEqualTo(timedOut + 1);
			assertThat(server.answered(transport, 504)).as(as + ": a 504 answered").isEqualTo(answered504 + 1);
			assertThat(server.cut(transport)).as(as + ": no response cut").isEqualTo(cut);
			// the next request is served, on Tomcat by the thread that was interrupted
			Received next = exchange(server, transport, "/fast");
			assertThat(next.bytes()).as(as + ": the next request").startsWith("HTTP/1.1 200 ").endsWith("ok");
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void startedResponseIsCutAtItsDeadline(Transport transport, CapturedOutput output) throws Exception {
		for (Server server : List.of(this.netty, this.tomcat)) {
			reset();
			String as = server.name() + " over " + transport;
			double timedOut = server.timedOut(transport);
			double cut = server.cut(transport);
			Received received = exchange(server, transport, "/partial");
			assertThat(received.bytes()).as(as).startsWith("HTTP/1.1 200 ").endsWith("partial body");
			assertThat(received.elapsed()).as(as + ": at the deadline").isBetween(TIMEOUT, TIMEOUT.plus(TOLERANCE));
			// over TCP a reset tells the proxy the response failed; a unix socket cannot say it
			assertThat(received.end()).as(as).isEqualTo((transport == Transport.TCP) ? End.RESET : End.EOF);
			assertThat(cancelled.await(5, TimeUnit.SECONDS)).as(as + ": the handler was cancelled").isTrue();
			assertThat(this.logLines).as(as + ": one log line")
				.singleElement()
				.satisfies((line) -> assertThat(line)
					.contains("GET /partial from 203.0.113.9 over " + transport.tag
							+ "; its response had started: the connection is cut"));
			assertThat(server.timedOut(transport)).as(as + ": counted").isEqualTo(timedOut + 1);
			// counted when the server has seen its connection close, which may come after the client's EOF
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(server.cut(transport)).as(as + ": a response cut short")
					.isEqualTo(cut + 1));
		}
		assertThat(output.getAll()).as("no other log line than the timeout's")
			.doesNotContain(" ERROR ")
			.doesNotContain("Exception");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void streamIsTimedToItsFirstByteOnly(Transport transport) throws Exception {
		for (Server server : List.of(this.netty, this.tomcat)) {
			reset();
			String as = server.name() + " over " + transport;
			double timedOut = server.timedOut(transport);
			Received received = exchange(server, transport, "/events");
			assertThat(received.elapsed()).as(as + ": the stream outlasted the timeout").isGreaterThan(TIMEOUT);
			assertThat(received.bytes()).as(as).startsWith("HTTP/1.1 200 ").endsWith("data:3\n\n");
			assertThat(received.end()).as(as).isEqualTo(End.EOF);
			assertThat(this.logLines).as(as + ": nothing logged").isEmpty();
			assertThat(server.timedOut(transport)).as(as + ": nothing counted").isEqualTo(timedOut);
		}
	}

	private static Received exchange(Server server, Transport transport, String uri) throws IOException {
		try (RawUwsgiConnection connection = RawUwsgiConnection.connect(transport.address.apply(server))) {
			connection.send(packet(var("REQUEST_METHOD", "GET"), var("REQUEST_URI", uri), var("PATH_INFO", uri),
					var("REMOTE_ADDR", "203.0.113.9"), var("REMOTE_PORT", "40000"), var("SERVER_PROTOCOL", "HTTP/1.1")),
					EXCHANGE_TIMEOUT);
			return connection.readToEnd(EXCHANGE_TIMEOUT);
		}
	}

	// ---------------------------------------------------------------------------------------------
	// The two applications, the same endpoints
	// ---------------------------------------------------------------------------------------------

	/** The WebFlux application. */
	private static final HttpHandler WEBFLUX = (request, response) -> switch (request.getPath().value()) {
		case "/hang" -> Mono.<Void>never().doOnCancel(() -> cancelled.countDown());
		case "/partial" -> response.writeAndFlushWith(Flux.<Flux<DataBuffer>>just(Flux.just(buffer(response,
				"partial body"))).concatWith(Flux.<Flux<DataBuffer>>never().doOnCancel(() -> cancelled.countDown())));
		case "/events" -> {
			response.getHeaders().setContentType(MediaType.TEXT_EVENT_STREAM);
			yield response.writeAndFlushWith(Flux.interval(Duration.ofMillis(300))
				.take(3)
				.map((n) -> Flux.just(buffer(response, "data:" + (n + 1) + "\n\n"))));
		}
		default -> response.writeWith(Mono.just(buffer(response, "ok")));
	};

	private static DataBuffer buffer(ServerHttpResponse response, String text) {
		return response.bufferFactory().wrap(text.getBytes(StandardCharsets.UTF_8));
	}

	/** The Spring MVC application on Tomcat. */
	@RestController
	static class TimedController {

		@GetMapping("/hang")
		String hang() {
			try {
				Thread.sleep(30_000);
				return "late";
			}
			catch (InterruptedException ex) {
				cancelled.countDown();
				return "interrupted";
			}
		}

		@GetMapping("/partial")
		void partial(HttpServletResponse response) throws IOException {
			OutputStream body = response.getOutputStream();
			body.write("partial body".getBytes(StandardCharsets.UTF_8));
			body.flush();
			try {
				Thread.sleep(30_000);
			}
			catch (InterruptedException ex) {
				cancelled.countDown();
			}
		}

		@GetMapping("/events")
		void events(HttpServletResponse response) throws Exception {
			response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
			OutputStream body = response.getOutputStream();
			for (int n = 1; n <= 3; n++) {
				Thread.sleep(300);
				body.write(("data:" + n + "\n\n").getBytes(StandardCharsets.UTF_8));
				body.flush();
			}
		}

		@GetMapping("/fast")
		String fast() throws InterruptedException {
			// fails if the interrupt of a timed-out request were left on this pooled thread
			Thread.sleep(1);
			return "ok";
		}

	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, UwsgiMetricsAutoConfiguration.class, UwsgiTomcatAutoConfiguration.class,
			UwsgiWebMvcAutoConfiguration.class })
	static class MvcApplication {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		TimedController timedController() {
			return new TimedController();
		}

	}

}
