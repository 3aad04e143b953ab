package io.github.uwsgispringboot.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.uwsgispringboot.server.UwsgiServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link UwsgiClientHttpConnector} against a real application served over uwsgi, on a TCP port and
 * a unix socket: every shape of exchange a test relies on, and the vars that change what the
 * application sees.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
class UwsgiClientHttpConnectorTests {

	private static final Path SOCKET_DIR = socketDir();

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@LocalUwsgiPort
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	@Autowired
	private UwsgiServer uwsgiServer;

	@Autowired
	private RequestController controller;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	enum Transport {

		TCP, UNIX_SOCKET

	}

	@Test
	void localUwsgiPortIsThePortTheServerBound() {
		assertThat(this.uwsgiPort).isPositive().isEqualTo(this.uwsgiServer.tcpAddress().getPort());
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void getReturnsText(Transport transport) {
		client(transport).get()
			.uri("/hello")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_PLAIN)
			.expectHeader()
			.contentLength(16)
			.expectBody(String.class)
			.isEqualTo("Hello over uwsgi");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void getReturnsJson(Transport transport) {
		client(transport).get()
			.uri("/json")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.message")
			.isEqualTo("Hello")
			.jsonPath("$.transport")
			.isEqualTo("uwsgi");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void postBodyOfKnownLengthIsEchoed(Transport transport) {
		client(transport).post()
			.uri("/echo")
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("ping over uwsgi")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo("ping over uwsgi");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void streamedRequestBodyIsBufferedAndArrivesWithItsLength(Transport transport) {
		byte[] body = randomBytes(1024 * 1024 + 17);
		Flux<DataBuffer> chunks = Flux.range(0, 17)
			.map((chunk) -> DefaultDataBufferFactory.sharedInstance.wrap(slice(body, chunk, 17)));
		client(transport).post()
			.uri("/sha256")
			.contentType(MediaType.APPLICATION_OCTET_STREAM)
			.body(chunks, DataBuffer.class)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.length")
			.isEqualTo(body.length)
			.jsonPath("$.sha256")
			.isEqualTo(sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void downloadWithContentLengthArrivesIntact(Transport transport) {
		byte[] expected = RequestController.download(RequestController.DOWNLOAD_SIZE);
		client(transport).mutate()
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(expected.length))
			.build()
			.get()
			.uri("/download")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentLength(expected.length)
			.expectBody(byte[].class)
			.isEqualTo(expected);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void streamedResponseWithoutContentLengthEndsWhenTheServerCloses(Transport transport) {
		StringBuilder expected = new StringBuilder();
		for (int line = 1; line <= 50; line++) {
			expected.append("line ").append(line).append('\n');
		}
		client(transport).get()
			.uri("/stream?lines=50")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.doesNotExist(HttpHeaders.CONTENT_LENGTH)
			.expectHeader()
			.doesNotExist(HttpHeaders.TRANSFER_ENCODING)
			.expectBody(String.class)
			.isEqualTo(expected.toString());
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void endlessStreamCanBeReadInPartAndCancelled(Transport transport) {
		int cancelled = this.controller.cancelledStreams();
		Flux<String> events = client(transport).get()
			.uri("/ticks")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(String.class)
			.getResponseBody();
		assertThat(events.take(3).collectList().block(TIMEOUT)).containsExactly("tick 0", "tick 1", "tick 2");
		await().atMost(TIMEOUT).until(this.controller::cancelledStreams, (count) -> count > cancelled);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void headHasTheHeadersOfGetAndNoBody(Transport transport) {
		client(transport).head()
			.uri("/hello")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_PLAIN)
			.expectHeader()
			.contentLength(16)
			.expectBody()
			.isEmpty();
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void unknownPathIsNotFound(Transport transport) {
		client(transport).get()
			.uri("/missing")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(404);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void requestHeadersReachTheApplicationRepeatedOnesWithEveryValue(Transport transport) {
		client(transport).get()
			.uri("/request?q=uwsgi&q=nginx")
			.header("X-Custom", "custom value")
			.header("X-Tag", "one", "two")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.method")
			.isEqualTo("GET")
			.jsonPath("$.uri")
			.isEqualTo("http://localhost/request?q=uwsgi&q=nginx")
			.jsonPath("$.queryParams.q")
			.isEqualTo(List.of("uwsgi", "nginx"))
			.jsonPath("$.headers.x-custom")
			.isEqualTo(List.of("custom value"))
			.jsonPath("$.headers.x-tag")
			.isEqualTo(List.of("one", "two"))
			.jsonPath("$.headers.host")
			.isEqualTo(List.of("localhost"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void cookiesReachTheApplicationFromEveryCookieHeader(Transport transport) {
		client(transport).get()
			.uri("/request")
			.cookie("flavour", "oat")
			.cookie("colour", "blue")
			.header(HttpHeaders.COOKIE, "session=abc", "theme=dark")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.cookies.flavour")
			.isEqualTo(List.of("oat"))
			.jsonPath("$.cookies.colour")
			.isEqualTo(List.of("blue"))
			.jsonPath("$.cookies.session")
			.isEqualTo(List.of("abc"))
			.jsonPath("$.cookies.theme")
			.isEqualTo(List.of("dark"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void headerWithAnUnderscoreIsDroppedAsNginxDoes(Transport transport) {
		client(transport).get()
			.uri("/request")
			.header("X_Underscored", "dropped")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.headers.x_underscored")
			.doesNotExist()
			.jsonPath("$.headers.x-underscored")
			.doesNotExist();
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void responseCookiesAreParsed(Transport transport) {
		client(transport).get()
			.uri("/cookie")
			.exchange()
			.expectStatus()
			.isOk()
			.expectCookie()
			.valueEquals("session", "s3cr3t")
			.expectCookie()
			.httpOnly("session", true)
			.expectHeader()
			.valueEquals(HttpHeaders.CACHE_CONTROL, "no-store");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void httpsMakesTheApplicationSeeSchemeHttps(Transport transport) {
		client(connector(transport).https(true)).get()
			.uri("/request")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.scheme")
			.isEqualTo("https")
			.jsonPath("$.uri")
			.isEqualTo("https://localhost/request");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void httpsUriIsSentAsHttpsOverThePlainConnection(Transport transport) {
		WebTestClient.bindToServer(connector(transport))
			.baseUrl("https://shop.example:8443")
			.responseTimeout(TIMEOUT)
			.build()
			.get()
			.uri("/request")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.uri")
			.isEqualTo("https://shop.example:8443/request");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void scriptNameVarGivesTheContextPath(Transport transport) {
		client(connector(transport).var("SCRIPT_NAME", "/app")).get()
			.uri("/app/request")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.contextPath")
			.isEqualTo("/app")
			.jsonPath("$.pathWithinApplication")
			.isEqualTo("/request");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void remoteAddressIsTheOneTheConnectorSends(Transport transport) {
		client(connector(transport).remoteAddress(new InetSocketAddress("203.0.113.7", 40000))).get()
			.uri("/request")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.remoteAddress")
			.isEqualTo("203.0.113.7")
			.jsonPath("$.remotePort")
			.isEqualTo(40000);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void remoteAddressIsLoopbackByDefault(Transport transport) {
		client(transport).get()
			.uri("/request")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.remoteAddress")
			.isEqualTo("127.0.0.1");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void varReplacesTheStockVarOfTheSameName(Transport transport) {
		client(connector(transport).var("REMOTE_ADDR", "198.51.100.1").var("HTTP_HOST", "api.example")).get()
			.uri("/request")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.remoteAddress")
			.isEqualTo("198.51.100.1")
			.jsonPath("$.uri")
			.isEqualTo("http://api.example/request");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void webClientReadsTheBodyToo(Transport transport) {
		String body = WebClient.builder()
			.clientConnector(connector(transport))
			.baseUrl("http://localhost")
			.build()
			.get()
			.uri("/hello")
			.retrieve()
			.bodyToMono(String.class)
			.block(TIMEOUT);
		assertThat(body).isEqualTo("Hello over uwsgi");
	}

	private WebTestClient client(Transport transport) {
		return client(connector(transport));
	}

	private UwsgiClientHttpConnector connector(Transport transport) {
		return switch (transport) {
			case TCP -> UwsgiClientHttpConnector.tcp(this.uwsgiPort);
			case UNIX_SOCKET -> UwsgiClientHttpConnector.unixSocket(this.uwsgiSocket);
		};
	}

	private static WebTestClient client(UwsgiClientHttpConnector connector) {
		return WebTestClient.bindToServer(connector).baseUrl("http://localhost").responseTimeout(TIMEOUT).build();
	}

	private static byte[] randomBytes(int size) {
		byte[] bytes = new byte[size];
		new Random(42).nextBytes(bytes);
		return bytes;
	}

	private static byte[] slice(byte[] bytes, int index, int count) {
		int size = bytes.length / count;
		int from = index * size;
		int to = (index == count - 1) ? bytes.length : from + size;
		return Arrays.copyOfRange(bytes, from, to);
	}

	private static String sha256(byte[] bytes) {
		return HexFormat.of().formatHex(RequestController.sha256().digest(bytes));
	}

	private static Path socketDir() {
		try {
			Path dir = Files.createTempDirectory("uwsgi-test-client");
			// the server removes the socket file when the cached context closes, at exit
			dir.toFile().deleteOnExit();
			return dir;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
