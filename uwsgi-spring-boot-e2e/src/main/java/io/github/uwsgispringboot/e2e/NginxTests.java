package io.github.uwsgispringboot.e2e;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.github.uwsgispringboot.e2e.EndToEnd.headers;
import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * A demo application behind a real nginx (the application's {@code nginx/}), reached over its uwsgi
 * unix socket and its uwsgi TCP port: the {@link ProxiedApplicationTests shared checks} and every
 * request shape a user relies on through nginx, checked byte for byte. Besides the paths of
 * {@link ProxiedApplicationTests}, the demo applications serve the same bodies for:
 * <ul>
 * <li>{@code /hello}: {@link #expectedHello()}, as text/plain;
 * <li>{@code /sha256}: the length and SHA-256 of the body posted, as JSON;
 * <li>{@code /request}: what the application sees of the request (scheme, client, context path,
 * headers, cookies), as JSON;
 * <li>{@code /vars}: the uwsgi vars and the custom var {@code DEMO_UPSTREAM}, as JSON;
 * <li>{@code /upload}: each part of a multipart upload, its length and SHA-256, as JSON;
 * <li>{@code /download/fails-midway}: the first {@link #BYTES_BEFORE_FAILURE} bytes of the
 * download, then an exception; with {@code ?contentLength=true} after a Content-Length of the whole
 * download, with {@code ?buffering=off} with {@code X-Accel-Buffering: no}.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class NginxTests extends ProxiedApplicationTests {

	/**
	 * The least time between two parts of a stream sent 700 ms apart: a buffered stream arrives all
	 * at once; a loaded machine may bunch two parts by a few hundred milliseconds.
	 */
	protected static final long MIN_GAP_MILLIS = 200;

	/**
	 * Bytes of the download that {@code /download/fails-midway} sends before it fails.
	 */
	protected static final int BYTES_BEFORE_FAILURE = 256 * 1024;

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
	 * Return the body the application answers {@code /hello} with.
	 * @return the greeting
	 */
	protected abstract String expectedHello();

	@BeforeAll
	void startNginx() throws Exception {
		this.nginx = Nginx.start(uwsgiSocket(), uwsgiPort());
	}

	@AfterAll
	void stopNginx() throws Exception {
		if (this.nginx != null) {
			this.nginx.close();
		}
	}

	/**
	 * Return the running nginx, for its error log.
	 * @return nginx
	 */
	protected Nginx nginx() {
		return this.nginx;
	}

	@Override
	protected URI uri(Transport transport, String path) {
		return this.nginx.uri(transport, path);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void getReturnsTheHandlersText(Transport transport) throws Exception {
		HttpResponse<String> response = send(get(transport, "/hello"));
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(expectedHello());
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/plain"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void postOfTenMegabytesArrivesIntact(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		HttpResponse<String> response = send(post(transport, "/sha256", BodyPublishers.ofByteArray(body)).build());
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("length", body.length).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void chunkedUploadArrivesWithItsLength(Transport transport) throws Exception {
		byte[] body = randomBytes(1024 * 1024 + 17);
		// an InputStream of unknown length is sent with Transfer-Encoding: chunked; nginx de-chunks it
		HttpRequest request = post(transport, "/sha256",
				BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
		HttpResponse<String> response = send(request);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("length", body.length).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void expectContinueIsAnsweredByNginxAndTheBodyArrives(Transport transport) throws Exception {
		byte[] body = randomBytes(256 * 1024);
		HttpRequest request = post(transport, "/sha256", BodyPublishers.ofByteArray(body)).expectContinue(true)
			.build();
		HttpResponse<String> response = send(request);
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void headHasTheHeadersOfGetAndNoBody(Transport transport) throws Exception {
		HttpRequest head = HttpRequest.newBuilder(this.nginx.uri(transport, "/download/bytes"))
			.method("HEAD", BodyPublishers.noBody())
			.build();
		HttpResponse<byte[]> response = this.client.send(head, BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(expectedDownload().length);
		assertThat(response.body()).isEmpty();
		// the connection to nginx is still usable: nothing of a body was left on it
		assertThat(send(get(transport, "/hello")).statusCode()).isEqualTo(200);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void notFoundForALargePostArrivesAsNotFoundNotBadGateway(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = send(
					post(transport, "/no-such-endpoint", BodyPublishers.ofByteArray(body)).build());
			assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(404);
		}
		assertThat(this.nginx.errorLog()).doesNotContain("reset by peer").doesNotContain("upstream prematurely");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void repeatedHeadersAndCookiesAllReachTheApplication(Transport transport) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(this.nginx.uri(transport, "/request"))
			.header("Cookie", "a=1")
			.header("Cookie", "b=2; c=3")
			.header("X-Multi", "one")
			.header("X-Multi", "two")
			.header("X-Forwarded-For", "192.0.2.1")
			.build();
		Map<String, Object> seen = readMap(send(request));
		assertThat(seen.get("cookies")).isEqualTo(Map.of("a", List.of("1"), "b", List.of("2"), "c", List.of("3")));
		Map<String, List<String>> headers = headers(seen);
		// nginx 1.22 sends one var per occurrence, nginx >= 1.23 joins them with ", "
		assertThat(headers.get("X-Multi").stream().flatMap((value) -> Stream.of(value.split(", ")))).containsExactly(
				"one", "two");
		assertThat(headers).containsEntry("X-Forwarded-For", List.of("192.0.2.1"));
		assertThat(headers).doesNotContainKeys("Connection", "Keep-Alive", "Transfer-Encoding", "Expect");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void proxySuppliedSchemeClientAddressAndMountPrefixReachTheApplication(Transport transport) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(this.nginx.uri(transport, "/app/request?x=1"))
			.header("X-Real-IP", "198.51.100.23")
			.build();
		Map<String, Object> seen = readMap(send(request));
		assertThat(seen).containsEntry("scheme", "https")
			.containsEntry("contextPath", "/app")
			.containsEntry("pathWithinApplication", "/request")
			.containsEntry("remoteAddress", "198.51.100.23")
			// Debian's uwsgi_params send HTTP_HOST as $host, without the port
			.containsEntry("uri", "https://127.0.0.1/app/request?x=1");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void customAndCgiVarsReachHandlersAsVarsNotHeaders(Transport transport) throws Exception {
		Map<String, Object> seen = readMap(send(get(transport, "/vars?x=1")));
		String upstream = (transport == Transport.UNIX_SOCKET) ? "demo_unix" : "demo_tcp";
		assertThat(seen).containsEntry("DEMO_UPSTREAM", upstream);
		assertThat(seen.get("vars")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("DEMO_UPSTREAM", List.of(upstream))
			.containsEntry("QUERY_STRING", List.of("x=1"))
			.containsEntry("REQUEST_METHOD", List.of("GET"))
			.containsKey("DOCUMENT_ROOT");
		assertThat(headers(readMap(send(get(transport, "/request"))))).doesNotContainKeys("Demo-Upstream",
				"Document-Root");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void withoutProxyOverridesTheClientIsNginxsClient(Transport transport) throws Exception {
		Map<String, Object> seen = readMap(send(get(transport, "/request")));
		assertThat(seen).containsEntry("scheme", "http")
			.containsEntry("contextPath", "")
			.containsEntry("remoteAddress", "127.0.0.1");
		assertThat((Integer) seen.get("remotePort")).isPositive();
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void multipartUploadReachesTheHandlerPartByPart(Transport transport) throws Exception {
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
	public void twoHundredConcurrentRequestsAllGetTheirOwnAnswer(Transport transport) throws Exception {
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			responses.add(this.client.sendAsync(get(transport, "/path/n" + i + "?q=" + i), BodyHandlers.ofString()));
		}
		for (int i = 0; i < 200; i++) {
			HttpResponse<String> response = responses.get(i).get();
			assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
			assertThat(readMap(response)).containsEntry("segment", "n" + i).containsEntry("q", Integer.toString(i));
		}
	}

	/**
	 * Return when each line of the response that starts with {@code prefix} arrived, in ms from the
	 * request.
	 */
	protected List<Long> arrivals(Transport transport, String path, String prefix) throws Exception {
		long start = System.nanoTime();
		HttpResponse<Stream<String>> response = this.client.send(get(transport, path), BodyHandlers.ofLines());
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		List<Long> arrivals = new ArrayList<>();
		try (Stream<String> lines = response.body()) {
			lines.filter((line) -> line.startsWith(prefix))
				.forEach((line) -> arrivals.add(Duration.ofNanos(System.nanoTime() - start).toMillis()));
		}
		return arrivals;
	}

	/**
	 * A response that fails part-way, streamed without a length, over TCP: the server resets the
	 * connection, nginx logs the reset and ends the client's chunked reply without its last chunk,
	 * so the client sees an incomplete response, buffered or not.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "on", "off" })
	public void streamThatFailsPartWayIsCutShortOverTcp(String buffering) throws Exception {
		try (Nginx own = Nginx.start(uwsgiSocket(), uwsgiPort())) {
			HttpRequest request = get(own.uri(Transport.TCP, "/download/fails-midway?buffering=" + buffering));
			assertThatIOException().as(own.errorLog())
				.isThrownBy(() -> this.client.send(request, BodyHandlers.ofByteArray()));
			awaitErrorLog(own, "(104: Connection reset by peer) while reading upstream");
		}
	}

	/**
	 * The same failure over a unix socket: what nothing on the server's side can change (see
	 * docs/protocol.md, "A response that fails part-way"). A unix socket cannot be reset; nginx
	 * reads the end of the data, takes it for the end of the response, logs nothing and ends the
	 * chunked reply normally, so the client gets a 200 with a truncated body that looks complete,
	 * buffered or not. This test pins that down: if it fails, nginx or the kernel changed.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "on", "off" })
	public void streamThatFailsPartWayLooksCompleteOverAUnixSocket(String buffering) throws Exception {
		try (Nginx own = Nginx.start(uwsgiSocket(), uwsgiPort())) {
			HttpResponse<byte[]> response = this.client.send(
					get(own.uri(Transport.UNIX_SOCKET, "/download/fails-midway?buffering=" + buffering)),
					BodyHandlers.ofByteArray());
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("Content-Length")).isEmpty();
			assertThat(response.body()).hasSize(BYTES_BEFORE_FAILURE);
			assertThat(Arrays.equals(response.body(), Arrays.copyOf(expectedDownload(), BYTES_BEFORE_FAILURE)))
				.isTrue();
			assertThat(own.errorLog()).doesNotContain("upstream prematurely").doesNotContain("reset by peer");
		}
	}

	/**
	 * The same failure with a Content-Length declared up front: nginx sees the body end short on
	 * either transport ("upstream prematurely closed connection" over a unix socket) and the client
	 * sees fewer bytes than announced.
	 */
	@ParameterizedTest
	@EnumSource(Transport.class)
	public void failedResponseWithAContentLengthIsCutShortOnBothTransports(Transport transport) throws Exception {
		try (Nginx own = Nginx.start(uwsgiSocket(), uwsgiPort())) {
			HttpRequest request = get(own.uri(transport, "/download/fails-midway?contentLength=true"));
			assertThatIOException().as(own.errorLog())
				.isThrownBy(() -> this.client.send(request, BodyHandlers.ofByteArray()));
			awaitErrorLog(own, (transport == Transport.UNIX_SOCKET) ? "upstream prematurely closed connection"
					: "(104: Connection reset by peer) while reading upstream");
		}
	}

	private HttpRequest get(URI uri) {
		return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
	}

	/** nginx writes its error log line as it finalizes the request, maybe after the client saw the end. */
	private static void awaitErrorLog(Nginx nginx, String line) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (!nginx.errorLog().contains(line) && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(nginx.errorLog()).contains(line);
	}

	/**
	 * Assert that three parts of a stream sent 700 ms apart arrived {@link #MIN_GAP_MILLIS} apart at
	 * least: buffered, they would all arrive together at the end.
	 * @param arrivals when each part arrived, in ms from the request
	 */
	protected static void assertArrivedOneByOne(List<Long> arrivals) {
		assertThat(arrivals).hasSize(3);
		assertThat(arrivals.get(1) - arrivals.get(0)).as("arrivals %s", arrivals).isGreaterThanOrEqualTo(MIN_GAP_MILLIS);
		assertThat(arrivals.get(2) - arrivals.get(1)).as("arrivals %s", arrivals).isGreaterThanOrEqualTo(MIN_GAP_MILLIS);
	}

}
