package io.github.uwsgispringboot.demo.mvc;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.Apache;
import io.github.uwsgispringboot.e2e.ProxiedApplicationTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo application on Tomcat behind a real Apache httpd with mod_proxy_uwsgi
 * ({@code demo-mvc-app/apache/}), reached over its uwsgi unix socket and its uwsgi TCP port.
 */
// uwsgi.port=0: a random port, never 3031, which mod_proxy_uwsgi cannot reach (Apache.start checks)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApacheEndToEndTests extends ProxiedApplicationTests {

	private static final Path SOCKET_DIR = socketDir();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	private Apache apache;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	@BeforeAll
	void startApache() throws Exception {
		this.apache = Apache.start(this.uwsgiSocket, this.uwsgiPort);
	}

	@AfterAll
	void stopApache() throws Exception {
		if (this.apache != null) {
			this.apache.close();
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void getReturnsTheHandlersText(Transport transport) throws Exception {
		HttpResponse<String> response = send(get(transport, "/hello"));
		assertThat(response.statusCode()).as(this.apache.errorLog()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("Hello from Spring MVC over uwsgi\n");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void postOfTenMegabytesArrivesIntact(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		HttpResponse<String> response = send(post(transport, "/sha256", body));
		assertThat(response.statusCode()).as(this.apache.errorLog()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("length", body.length).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void sseEmitterEventsArriveOneByOneWithoutConfiguration(Transport transport) throws Exception {
		long start = System.nanoTime();
		HttpResponse<Stream<String>> response = this.client
			.send(get(transport, "/events?count=3&intervalMillis=700"), BodyHandlers.ofLines());
		List<Long> arrivals;
		try (Stream<String> lines = response.body()) {
			arrivals = lines.filter((line) -> line.startsWith("data:"))
				.map((line) -> Duration.ofNanos(System.nanoTime() - start).toMillis())
				.toList();
		}
		assertThat(arrivals).hasSize(3);
		// mod_proxy_uwsgi flushes whenever the application pauses: streamed, the events span about
		// 1400 ms; buffered, they would arrive together
		assertThat(arrivals.get(2) - arrivals.get(0)).as("arrivals %s", arrivals).isGreaterThanOrEqualTo(700); // 1,400 ms apart when streamed, 0 when buffered
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void headHasTheHeadersOfGetAndNoBody(Transport transport) throws Exception {
		HttpRequest head = HttpRequest.newBuilder(this.apache.uri(transport, "/download/bytes"))
			.method("HEAD", BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(30))
			.build();
		HttpResponse<byte[]> response = this.client.send(head, BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(DemoContent.DOWNLOAD_SIZE);
		assertThat(response.body()).isEmpty();
		assertThat(send(get(transport, "/hello")).statusCode()).isEqualTo(200);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void earlyAnswersToALargePostArriveAsSuchNotBadGateway(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		for (int i = 0; i < 3; i++) {
			assertThat(send(post(transport, "/no-such-endpoint", body)).statusCode()).as(this.apache.errorLog())
				.isEqualTo(404);
			assertThat(send(post(transport, "/small-body", body)).statusCode()).as(this.apache.errorLog())
				.isEqualTo(413);
		}
		// AH10098: "sending data to ... failed", when the application closes before the body is sent
		assertThat(this.apache.errorLog()).doesNotContain("AH10098").doesNotContain("reset by peer");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void subPathMountArrivesAsTheContextPath(Transport transport) throws Exception {
		URI uri = this.apache.uri(transport, "/app/request?x=1");
		Map<String, Object> seen = readMap(send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build()));
		// Apache sends SCRIPT_NAME=/app, PATH_INFO=/request, REQUEST_URI=/app/request?x=1
		assertThat(seen).containsEntry("contextPath", "/app")
			.containsEntry("pathWithinApplication", "/request")
			// Apache passes the client's Host header, port included
			.containsEntry("uri", uri.toString());
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void theClientIsApachesClientAndApachesOwnVarsAreNoHeaders(Transport transport) throws Exception {
		Map<String, Object> seen = readMap(send(get(transport, "/request")));
		assertThat(seen).containsEntry("scheme", "http")
			.containsEntry("contextPath", "")
			.containsEntry("remoteAddress", "127.0.0.1");
		assertThat((Integer) seen.get("remotePort")).isPositive();
		// Apache also sends PATH (its own environment), SERVER_SOFTWARE, DOCUMENT_ROOT, SCRIPT_FILENAME ...
		@SuppressWarnings("unchecked")
		Map<String, List<String>> headers = (Map<String, List<String>>) seen.get("headers");
		assertThat(headers.keySet()).allSatisfy((name) -> assertThat(name).isIn("Host", "User-Agent"));
	}

	@Override
	protected URI uri(Transport transport, String path) {
		return this.apache.uri(transport, path);
	}

	@Override
	protected byte[] expectedDownload() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

	private HttpRequest post(Transport transport, String path, byte[] body) {
		return HttpRequest.newBuilder(this.apache.uri(transport, path))
			.timeout(Duration.ofSeconds(60))
			.POST(BodyPublishers.ofByteArray(body))
			.header("Content-Type", "application/octet-stream")
			.build();
	}

}
