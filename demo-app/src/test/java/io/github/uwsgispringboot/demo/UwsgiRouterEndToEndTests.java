package io.github.uwsgispringboot.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.UwsgiRouterTests;
import io.github.uwsgispringboot.e2e.Transport;
import io.github.uwsgispringboot.e2e.WebSocketRecorder;

import static io.github.uwsgispringboot.e2e.EndToEnd.headers;
import static io.github.uwsgispringboot.e2e.EndToEnd.vars;
import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The demo application behind uWSGI's own http router ({@code demo-app/uwsgi-router/}), reached
 * over its uwsgi unix socket and its uwsgi TCP port, with HTTP and HTTPS at the router: the request
 * shapes of the nginx matrix, and what the router does differently (joined headers, the machine's
 * name as SERVER_NAME, HTTPS=on and nothing else for the scheme, a byte-swapped REMOTE_PORT, bodies
 * without a length dropped, uploads cut short after an early response, WebSocket only with
 * {@code http-websockets}). See {@code docs/uwsgi-router.md}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
class UwsgiRouterEndToEndTests extends UwsgiRouterTests {

	private static final Path SOCKET_DIR = socketDir();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void chunkedUploadIsRefusedWithLengthRequiredInsteadOfLosingItsBody(Transport transport) throws Exception {
		// A body without Content-Length (Transfer-Encoding: chunked, what a client sends when it does
		// not know the length) is dropped by the router: it sends the vars with
		// HTTP_TRANSFER_ENCODING=chunked and no CONTENT_LENGTH, and discards what follows the
		// headers. The server refuses such a request with 411 rather than serve an empty body.
		String response = rawRequest(router().uri(transport, "/"), "POST /sha256 HTTP/1.1",
				List.of("Content-Type: application/octet-stream", "Transfer-Encoding: chunked"),
				"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
		assertThat(response).as(router().log()).startsWith("HTTP/1.1 411 ");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void expectContinueIsAnsweredByNobodyAndTheBodyArrivesWhenTheClientSendsItAnyway(Transport transport)
			throws Exception {
		URI uri = router().uri(transport, "/");
		try (Socket socket = connect(uri)) {
			write(socket, head(uri, "POST /sha256 HTTP/1.1", List.of("Content-Length: 5",
					"Content-Type: application/octet-stream", "Expect: 100-continue")));
			// the router passes Expect on instead of answering it, and the server never writes a 100
			// (nginx and Apache answer Expect themselves, and would take a 100 as the response)
			socket.setSoTimeout(1500);
			assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(socket.getInputStream()::read);
			// what curl does after a second
			socket.setSoTimeout(30_000);
			write(socket, "hello");
			String response = readResponse(socket.getInputStream());
			assertThat(response).startsWith("HTTP/1.1 200 ");
			assertThat(readMap(body(response))).containsEntry("length", 5);
		}
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
		// the router passes on what it reads: buffered, all three would arrive together at the end;
		// streamed, they span about 1400 ms (less when a busy machine delays one of them)
		assertThat(arrivals.get(2) - arrivals.get(0)).as("arrivals %s", arrivals).isGreaterThanOrEqualTo(700); // 1,400 ms apart when streamed, 0 when buffered
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void notFoundForALargePostArrivesAsNotFound(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/");
		byte[] body = randomBytes(10 * 1024 * 1024);
		for (int i = 0; i < 3; i++) {
			try (Socket socket = connect(uri)) {
				// the client reads while it sends, like curl and browsers: see the next test for why
				CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> writeUntilCut(socket,
						head(uri, "POST /no-such-endpoint HTTP/1.1", List.of("Content-Length: " + body.length,
								"Content-Type: application/octet-stream")), body));
				assertThat(readResponse(socket.getInputStream())).as(router().log()).startsWith("HTTP/1.1 404 ");
				sent.get(30, TimeUnit.SECONDS);
			}
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void earlyResponseKeepsTheClientConnectionUntilTheBodyHasArrived(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/");
		int length = 10 * 1024 * 1024;
		try (Socket socket = connect(uri)) {
			// 1 KiB of a 10 MiB body, in one write with the head: the router reads all of it at once
			write(socket, head(uri, "POST /no-such-endpoint HTTP/1.1",
					List.of("Content-Length: " + length, "Content-Type: application/octet-stream")) + "x".repeat(1024));
			assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 404 ");
			// The server answers before reading the body, then reads the rest of the declared body
			// before it closes: the router, which takes the end of the backend's output for the end
			// of the exchange, keeps the client's connection meanwhile, so a client still sending
			// is not reset (a FIN first would make the router cut it off)
			socket.setSoTimeout(1500);
			assertThatExceptionOfType(java.net.SocketTimeoutException.class)
				.isThrownBy(() -> socket.getInputStream().read());
			// the rest of the body goes through without a reset (the write would throw)
			socket.getOutputStream().write(new byte[length - 1024]);
			socket.getOutputStream().flush();
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void repeatedHeadersArriveJoinedByTheRouter(Transport transport) throws Exception {
		Map<String, Object> seen = requestSeenWithRepeatedHeaders(transport);
		// the router joins the lines of a repeated header into one var with ", ", Cookie too:
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
		String response = rawRequest(router().uri(transport, "/"), "GET /request HTTP/1.1", "Cookie: a=1",
				"Cookie: b=2; c=3", "X-Multi: one", "X-Multi: two", "X-Forwarded-For: 192.0.2.1");
		assertThat(response).as(router().log()).startsWith("HTTP/1.1 200 ");
		return readMap(body(response));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void headerSpelledWithAnUnderscoreIsJoinedToItsDashSpelling(Transport transport) throws Exception {
		// nginx and Apache drop X_Multi; the router makes it HTTP_X_MULTI like X-Multi
		String response = rawRequest(router().uri(transport, "/"), "GET /request HTTP/1.1", "X-Multi: one",
				"X_Multi: two");
		assertThat(headers(readMap(body(response)))).containsEntry("X-Multi", List.of("one, two"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void theClientAddressIsTheRoutersClientWithItsPortByteSwapped(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/");
		try (Socket socket = connect(uri)) {
			write(socket, head(uri, "GET /request HTTP/1.1", List.of()));
			Map<String, Object> seen = readMap(body(readResponse(socket.getInputStream())));
			// uWSGI's router prints the port's bytes in network order as a number (unbit/uwsgi#1889):
			// on a little-endian machine, port 40088 (0x9C98) arrives as REMOTE_PORT=39068 (0x989C)
			int port = socket.getLocalPort();
			int remotePort = (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) ? ((port & 0xFF) << 8) | (port >>> 8)
					: port;
			assertThat(seen).containsEntry("remoteAddress", "127.0.0.1").containsEntry("remotePort", remotePort);
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void whatTheRouterSendsForAGet(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/vars?x=1");
		// curl's GET (java.net.http would add Content-Length: 0)
		String response = rawRequest(uri, "GET /vars?x=1 HTTP/1.1", "User-Agent: curl/7.88.1", "Accept: */*");
		Map<String, List<String>> vars = vars(readMap(body(response)));
		assertThat(vars).as("vars").containsOnlyKeys("REQUEST_METHOD", "REQUEST_URI", "PATH_INFO", "QUERY_STRING",
				"SERVER_PROTOCOL", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT", "UWSGI_ROUTER", "REMOTE_ADDR",
				"REMOTE_PORT", "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT");
		assertThat(vars).containsEntry("REQUEST_URI", List.of("/vars?x=1"))
			.containsEntry("PATH_INFO", List.of("/vars"))
			.containsEntry("QUERY_STRING", List.of("x=1"))
			.containsEntry("SCRIPT_NAME", List.of(""))
			// the machine's name, whatever the client asked for; the Host header is HTTP_HOST
			.containsEntry("SERVER_NAME", List.of(hostname()))
			.containsEntry("SERVER_PORT", List.of(Integer.toString(uri.getPort())))
			.containsEntry("HTTP_HOST", List.of(uri.getAuthority()))
			.containsEntry("UWSGI_ROUTER", List.of("http"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void theRoutersOwnVarsAreNoHeadersAndThePlainPortIsHttp(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/request");
		Map<String, Object> seen = readMap(send(get(uri)));
		assertThat(seen).containsEntry("scheme", "http")
			.containsEntry("uri", uri.toString())
			.containsEntry("contextPath", "")
			.containsEntry("tls", null);
		// UWSGI_ROUTER, SERVER_NAME ... stay vars
		assertThat(headers(seen).keySet()).allSatisfy((name) -> assertThat(name).isIn("Host", "User-Agent"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void requestWithoutAHostHeaderIsNamedAfterTheMachine(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/");
		try (Socket socket = connect(uri)) {
			write(socket, "GET /request HTTP/1.0\r\n\r\n");
			// no HTTP_HOST: the server falls back to SERVER_NAME and SERVER_PORT
			assertThat(readMap(body(readResponse(socket.getInputStream())))).containsEntry("host", hostname())
				.containsEntry("port", uri.getPort());
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void connectionCloseFromTheClientIsIgnoredWithHttpWebsockets(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/");
		try (Socket socket = connect(uri)) {
			write(socket, head(uri, "GET /hello HTTP/1.1", List.of("Connection: close")));
			assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 ");
			// uWSGI 2.0's http-websockets takes the Connection header for itself, so http-keepalive
			// keeps the connection open until http-timeout: a client reading to the end of the
			// connection instead of Content-Length waits
			socket.setSoTimeout(1500);
			assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(socket.getInputStream()::read);
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void webSocketEchoesTextAndClosesThroughTheRouter(Transport transport) throws Exception {
		URI uri = URI.create(router().uri(transport, "/ws/echo").toString().replace("http:", "ws:"));
		WebSocketRecorder recorder = new WebSocketRecorder();
		WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, recorder).get(10,
				TimeUnit.SECONDS);
		socket.sendText("hello through the router", true).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).as(router().log()).isEqualTo("text:echo: hello through the router");
		socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("close:" + WebSocket.NORMAL_CLOSURE);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void twoHundredConcurrentRequestsAllGetTheirOwnAnswer(Transport transport) throws Exception {
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			responses.add(this.client.sendAsync(get(transport, "/path/n" + i + "?q=" + i), BodyHandlers.ofString()));
		}
		for (int i = 0; i < 200; i++) {
			HttpResponse<String> response = responses.get(i).get(60, TimeUnit.SECONDS);
			assertThat(response.statusCode()).as(router().log()).isEqualTo(200);
			assertThat(readMap(response)).containsEntry("segment", "n" + i).containsEntry("q", Integer.toString(i));
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

	/**
	 * Send a request written by hand, each header on its own line even when repeated (java.net.http
	 * would join Cookie lines itself), and return the response.
	 */
	private static String rawRequest(URI uri, String requestLine, String... headers) throws IOException {
		return rawRequest(uri, requestLine, List.of(headers), "");
	}

	private static String rawRequest(URI uri, String requestLine, List<String> headers, String body)
			throws IOException {
		try (Socket socket = connect(uri)) {
			write(socket, head(uri, requestLine, headers) + body);
			return readResponse(socket.getInputStream());
		}
	}

	private static String head(URI uri, String requestLine, List<String> headers) {
		StringBuilder head = new StringBuilder(requestLine).append("\r\nHost: ").append(uri.getAuthority());
		headers.forEach((header) -> head.append("\r\n").append(header));
		return head.append("\r\n\r\n").toString();
	}

	private static void write(Socket socket, String text) throws IOException {
		socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
	}

	/**
	 * Write a request whose body the router may cut off after an early response.
	 */
	private static void writeUntilCut(Socket socket, String head, byte[] body) {
		try {
			write(socket, head);
			socket.getOutputStream().write(body);
		}
		catch (IOException ex) {
			// the router closed the connection after the response
		}
	}

	/**
	 * Read one response to the end of its Content-Length: the router may keep the connection open
	 * after it.
	 */
	private static String readResponse(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (head.indexOf("\r\n\r\n") < 0) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("Connection closed after " + head.length() + " bytes: " + head);
			}
			head.append((char) b);
		}
		long length = head.toString()
			.lines()
			.filter((line) -> line.regionMatches(true, 0, "Content-Length:", 0, 15))
			.mapToLong((line) -> Long.parseLong(line.substring(15).strip()))
			.findFirst()
			.orElseThrow(() -> new IOException("No Content-Length in " + head));
		return head + new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
	}

	private static Socket connect(URI uri) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
		socket.setSoTimeout(30_000);
		return socket;
	}

	private static String body(String response) {
		return response.substring(response.indexOf("\r\n\r\n") + 4);
	}

	/**
	 * Return this machine's name as uWSGI reads it (gethostname).
	 */
	private static String hostname() throws IOException {
		return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
	}

}
