package io.github.uwsgispringboot.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A demo application run with a request timeout of {@value #TIMEOUT_MILLIS} ms
 * ({@code uwsgi.request-timeout}, uWSGI's harakiri) behind a real nginx, over its uwsgi unix socket
 * and TCP port: a request that outlasts it reaches the client as nginx's 504 at the deadline, not
 * at nginx's own 60 s read timeout, and is logged and counted once; a quicker one is served; a
 * stream of server-sent events and a WebSocket outlast it, being timed to their first byte only.
 * The demo applications answer {@code /slow?millis=N} N ms later, {@code /events?count&intervalMillis}
 * with events, and echo WebSocket messages on {@code /ws/echo}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RequestTimeoutTests {

	/** The request timeout the application runs with. */
	public static final long TIMEOUT_MILLIS = 1000;

	/** How late the 504 may come on a loaded machine. */
	private static final long TOLERANCE_MILLIS = 2000;

	private static final Logger timeoutLog = Logger.getLogger("uwsgi.timeout");

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	private final List<String> logLines = new CopyOnWriteArrayList<>();

	private final Handler logCapture = new Handler() {

		@Override
		public void publish(LogRecord record) {
			RequestTimeoutTests.this.logLines.add(record.getMessage());
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private Nginx nginx;

	/**
	 * Return the application's uwsgi TCP port.
	 * @return the port
	 */
	protected abstract int uwsgiPort();

	/**
	 * Return the application's uwsgi unix socket.
	 * @return the socket's path
	 */
	protected abstract Path uwsgiSocket();

	/**
	 * Return how many requests the application's meter {@code uwsgi.server.requests.timeout}
	 * counted over {@code transport}.
	 * @param transport the transport
	 * @return the count
	 */
	protected abstract double timeoutsCounted(Transport transport);

	@BeforeAll
	void startNginx() throws Exception {
		this.nginx = Nginx.start(uwsgiSocket(), uwsgiPort());
		timeoutLog.setLevel(Level.ALL);
		timeoutLog.addHandler(this.logCapture);
	}

	@AfterAll
	void stopNginx() throws Exception {
		timeoutLog.removeHandler(this.logCapture);
		if (this.nginx != null) {
			this.nginx.close();
		}
	}

	@BeforeEach
	void forgetLogLines() {
		this.logLines.clear();
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void requestPastTheTimeoutIsAnswered504AtItsDeadline(Transport transport) throws Exception {
		double counted = timeoutsCounted(transport);
		long start = System.nanoTime();
		HttpResponse<String> response = get(transport, "/slow?millis=30000");
		long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(504);
		assertThat(elapsed).as("answered at the deadline")
			.isBetween(TIMEOUT_MILLIS, TIMEOUT_MILLIS + TOLERANCE_MILLIS);
		assertThat(this.logLines).as("one log line").singleElement().satisfies((line) -> assertThat(line)
			.startsWith("uwsgi request timed out after ")
			.contains("(request timeout " + TIMEOUT_MILLIS + " ms): GET /slow?millis=30000 from 127.0.0.1 over "
					+ transport.tag() + "; answered 504"));
		assertThat(timeoutsCounted(transport)).as("counted once").isEqualTo(counted + 1);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void requestWithinTheTimeoutIsServed(Transport transport) throws Exception {
		HttpResponse<String> response = get(transport, "/slow?millis=100");
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("Slept 100 ms\n");
		assertThat(this.logLines).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void eventStreamOutlastsTheTimeout(Transport transport) throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = get(transport, "/events?count=3&intervalMillis=" + (TIMEOUT_MILLIS * 3 / 4));
		long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		assertThat(elapsed).as("longer than the timeout").isGreaterThan(TIMEOUT_MILLIS);
		assertThat(response.body()).contains("data:event 0 ", "data:event 1 ", "data:event 2 ");
		assertThat(this.logLines).as("no timeout").isEmpty();
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void webSocketOutlastsTheTimeout(Transport transport) throws Exception {
		URI uri = URI.create(this.nginx.uri(transport, "/ws/echo").toString().replace("http:", "ws:"));
		WebSocketRecorder recorder = new WebSocketRecorder();
		WebSocket socket = this.client.newWebSocketBuilder().buildAsync(uri, recorder).get(10, TimeUnit.SECONDS);
		socket.sendText("before", true).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("text:echo: before");
		Thread.sleep(TIMEOUT_MILLIS * 3 / 2);
		socket.sendText("after", true).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).as("the socket lives on past the timeout").isEqualTo("text:echo: after");
		socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("close:" + WebSocket.NORMAL_CLOSURE);
		assertThat(this.logLines).as("no timeout").isEmpty();
	}

	/**
	 * Send a GET through nginx.
	 * @param transport how nginx reaches the application
	 * @param path the path and query
	 * @return the response
	 * @throws Exception when the request fails
	 */
	protected HttpResponse<String> get(Transport transport, String path) throws Exception {
		URI uri = this.nginx.uri(transport, path);
		return this.client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
				BodyHandlers.ofString());
	}

}
