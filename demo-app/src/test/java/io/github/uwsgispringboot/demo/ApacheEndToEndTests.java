package io.github.uwsgispringboot.demo;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.server.WebFilter;

import io.github.uwsgispringboot.e2e.ApacheTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.headers;
import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo application behind a real Apache httpd with mod_proxy_uwsgi ({@code demo-app/apache/}),
 * reached over its uwsgi unix socket and its uwsgi TCP port: the request shapes of the nginx
 * matrix that Apache supports, and what Apache does differently (joined headers, 411 for chunked
 * uploads, SCRIPT_NAME from the mount).
 */
// uwsgi.port=0: a random port, never 3031, which mod_proxy_uwsgi cannot reach (Apache.start checks)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
class ApacheEndToEndTests extends ApacheTests {

	private static final Path SOCKET_DIR = socketDir();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	@Autowired
	private RequestsSeen requestsSeen;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void chunkedUploadIsRefusedByApacheWithLengthRequired(Transport transport) throws Exception {
		byte[] body = randomBytes(1024 * 1024 + 17);
		String chunked = "/sha256?chunked=" + transport;
		// an InputStream of unknown length is sent with Transfer-Encoding: chunked, which
		// mod_proxy_uwsgi refuses instead of de-chunking it like nginx does
		HttpRequest request = post(transport, chunked,
				BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
		assertThat(send(request).statusCode()).isEqualTo(411);
		String withLength = "/sha256?length=" + transport;
		assertThat(send(post(transport, withLength, BodyPublishers.ofByteArray(body)).build()).statusCode())
			.isEqualTo(200);
		assertThat(this.requestsSeen.paths()).contains(withLength).doesNotContain(chunked);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void expectContinueIsAnsweredByApacheAndTheBodyArrives(Transport transport) throws Exception {
		byte[] body = randomBytes(256 * 1024);
		HttpRequest request = post(transport, "/sha256", BodyPublishers.ofByteArray(body)).expectContinue(true)
			.build();
		HttpResponse<String> response = send(request);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void serverSentEventsArriveOneByOneWithoutConfiguration(Transport transport) throws Exception {
		long start = System.nanoTime();
		HttpResponse<Stream<String>> response = this.client
			.send(get(transport, "/events?count=3&intervalMillis=700"), BodyHandlers.ofLines());
		List<Long> arrivals = new ArrayList<>();
		List<String> data = new ArrayList<>();
		try (Stream<String> lines = response.body()) {
			lines.filter((line) -> line.startsWith("data:")).forEach((line) -> {
				arrivals.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
				data.add(line);
			});
		}
		assertThat(data).hasSize(3);
		assertThat(data.get(0)).startsWith("data:event 0");
		// mod_proxy_uwsgi flushes whenever the application pauses: no buffering to turn off. Buffered,
		// all three would arrive together at the end; streamed, they span about 1400 ms (less when a
		// busy machine delays one of them)
		assertThat(arrivals.get(2) - arrivals.get(0)).as("arrivals %s", arrivals).isGreaterThanOrEqualTo(700); // 1,400 ms apart when streamed, 0 when buffered
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void notFoundForALargePostArrivesAsNotFoundNotBadGateway(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = send(
					post(transport, "/no-such-endpoint", BodyPublishers.ofByteArray(body)).build());
			assertThat(response.statusCode()).as(apache().errorLog()).isEqualTo(404);
		}
		// AH10098: "sending data to ... failed", when the application closes before the body is sent
		assertThat(apache().errorLog()).doesNotContain("AH10098").doesNotContain("reset by peer");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void repeatedHeadersArriveJoinedByApache(Transport transport) throws Exception {
		Map<String, Object> seen = requestSeenWithRepeatedHeaders(transport);
		// Apache joins the lines of a repeated header into one var with ", ", Cookie too:
		// HTTP_X_MULTI=one, two and HTTP_COOKIE=a=1, b=2; c=3 (which the server reads as cookie pairs)
		assertThat(headers(seen)).containsEntry("X-Multi", List.of("one, two"))
			.containsEntry("Cookie", List.of("a=1; b=2; c=3"))
			.containsEntry("X-Forwarded-For", List.of("192.0.2.1"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void everyCookieOfRepeatedCookieHeadersReachesTheCookieMap(Transport transport) throws Exception {
		Map<String, Object> seen = requestSeenWithRepeatedHeaders(transport);
		assertThat(seen.get("cookies")).isEqualTo(Map.of("a", List.of("1"), "b", List.of("2"), "c", List.of("3")));
	}

	/**
	 * Return what the application saw of a request with two Cookie lines and two X-Multi lines,
	 * written by hand: java.net.http would join the two Cookie lines with "; " itself.
	 */
	private Map<String, Object> requestSeenWithRepeatedHeaders(Transport transport) throws IOException {
		String response = rawRequest(transport, "GET /request HTTP/1.0", "Cookie: a=1", "Cookie: b=2; c=3",
				"X-Multi: one", "X-Multi: two", "X-Forwarded-For: 192.0.2.1");
		assertThat(response).as(apache().errorLog()).startsWith("HTTP/1.1 200 ");
		return readMap(body(response));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void multipartUploadReachesTheHandlerPartByPart(Transport transport) throws Exception {
		byte[] file = randomBytes(3 * 1024 * 1024);
		String boundary = "e2e-boundary-" + System.nanoTime();
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nholiday\r\n")
			.getBytes(StandardCharsets.UTF_8));
		body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.bin\"\r\n"
				+ "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
		body.writeBytes(file);
		body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
		HttpRequest request = post(transport, "/upload", BodyPublishers.ofByteArray(body.toByteArray()))
			.setHeader("Content-Type", "multipart/form-data; boundary=" + boundary)
			.build();
		HttpResponse<String> response = send(request);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Map<String, Object> parts = readMap(response);
		assertThat(parts.get("file")).isEqualTo(
				Map.of("name", "file", "filename", "photo.bin", "length", file.length, "sha256", sha256(file)));
		assertThat(parts.get("title")).asInstanceOf(InstanceOfAssertFactories.MAP).containsEntry("length", 7);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void twoHundredConcurrentRequestsAllGetTheirOwnAnswer(Transport transport) throws Exception {
		// Each client on a connection of its own, closed after the response: while all its workers
		// are busy, Apache's event MPM closes idle keep-alive connections, and java.net.http does
		// not retry a request it has just sent on one ("header parser received no bytes")
		ExecutorService clients = Executors.newFixedThreadPool(200);
		try {
			List<Future<String>> responses = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				String requestLine = "GET /path/n" + i + "?q=" + i + " HTTP/1.0";
				responses.add(clients.submit(() -> rawRequest(transport, requestLine)));
			}
			for (int i = 0; i < 200; i++) {
				String response = responses.get(i).get(60, TimeUnit.SECONDS);
				assertThat(response).as(apache().errorLog()).startsWith("HTTP/1.1 200 ");
				assertThat(readMap(body(response))).containsEntry("segment", "n" + i)
					.containsEntry("q", Integer.toString(i));
			}
		}
		finally {
			clients.shutdownNow();
		}
	}

	@Override
	protected int uwsgiPort() {
		return this.uwsgiPort;
	}

	@Override
	protected Path uwsgiSocket() {
		return this.uwsgiSocket;
	}

	@Override
	protected String expectedHello() {
		return "Hello from Spring WebFlux over uwsgi\n";
	}

	@Override
	protected byte[] expectedDownload() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void webSocketUpgradeFailsCleanlyBecauseApacheCannotTunnelOverUwsgi(Transport transport) throws Exception {
		URI uri = apache().uri(transport, "/");
		String upgrade = "GET /ws/echo HTTP/1.1\r\nHost: " + uri.getAuthority()
				+ "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				+ "Sec-WebSocket-Version: 13\r\n\r\n";
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
			socket.setSoTimeout(15_000);
			socket.getOutputStream().write(upgrade.getBytes(StandardCharsets.ISO_8859_1));
			String statusLine = new java.io.BufferedReader(
					new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1))
				.readLine();
			// Apache would pass a 101 on and then not tunnel: the server does not offer the upgrade
			// to the application, which refuses the handshake with a status
			assertThat(statusLine).startsWith("HTTP/1.1 400");
		}
	}

	/**
	 * Send a request written line by line on a connection of its own, and return the whole
	 * response once Apache has closed the connection.
	 */
	private String rawRequest(Transport transport, String requestLine, String... headers) throws IOException {
		URI uri = apache().uri(transport, "/");
		StringBuilder request = new StringBuilder(requestLine).append("\r\nHost: ").append(uri.getAuthority());
		for (String header : headers) {
			request.append("\r\n").append(header);
		}
		request.append("\r\nConnection: close\r\n\r\n");
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
			socket.setSoTimeout(30_000);
			socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static String body(String response) {
		return response.substring(response.indexOf("\r\n\r\n") + 4);
	}

	/**
	 * Every request that reached the application's handlers, as path and query: what Apache
	 * refused itself never shows up here.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class RequestsSeen {

		private final Queue<String> paths = new ConcurrentLinkedQueue<>();

		@Bean
		WebFilter recordRequestsSeen() {
			return (exchange, chain) -> {
				String query = exchange.getRequest().getURI().getRawQuery();
				String path = exchange.getRequest().getPath().value();
				this.paths.add((query != null) ? path + "?" + query : path);
				return chain.filter(exchange);
			};
		}

		List<String> paths() {
			return List.copyOf(this.paths);
		}

	}

}
