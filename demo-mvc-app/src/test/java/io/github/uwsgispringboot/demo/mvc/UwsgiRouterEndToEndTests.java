package io.github.uwsgispringboot.demo.mvc;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.ProxiedApplicationTests;
import io.github.uwsgispringboot.e2e.TestCertificates;
import io.github.uwsgispringboot.e2e.Transport;
import io.github.uwsgispringboot.e2e.UwsgiRouter;

import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo application on Tomcat behind uWSGI's own http router
 * ({@code demo-mvc-app/uwsgi-router/}), reached over its uwsgi unix socket and its uwsgi TCP port,
 * with HTTP and HTTPS at the router.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UwsgiRouterEndToEndTests extends ProxiedApplicationTests {

	private static final Path SOCKET_DIR = socketDir();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	private TestCertificates certificates;

	private UwsgiRouter router;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	@BeforeAll
	void startRouters() throws Exception {
		this.certificates = TestCertificates.create();
		this.router = UwsgiRouter.start(this.uwsgiSocket, this.uwsgiPort, this.certificates.certificate("server"),
				this.certificates.key("server"));
	}

	@AfterAll
	void stopRouters() throws Exception {
		if (this.router != null) {
			this.router.close();
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void getReturnsTheHandlersText(Transport transport) throws Exception {
		HttpResponse<String> response = send(get(transport, "/hello"));
		assertThat(response.statusCode()).as(this.router.log()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("Hello from Spring MVC over uwsgi\n");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void postOfTenMegabytesArrivesIntact(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		HttpRequest request = HttpRequest.newBuilder(this.router.uri(transport, "/sha256"))
			.timeout(Duration.ofSeconds(60))
			.POST(BodyPublishers.ofByteArray(body))
			.header("Content-Type", "application/octet-stream")
			.build();
		// a client of its own: the router may close a connection after a POST without saying so,
		// and java.net.http does not retry a POST (see the WebFlux demo's router tests)
		HttpResponse<String> response = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.build()
			.send(request, BodyHandlers.ofString());
		assertThat(response.statusCode()).as(this.router.log()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("length", body.length).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void headHasTheHeadersOfGetAndNoBody(Transport transport) throws Exception {
		HttpRequest head = HttpRequest.newBuilder(this.router.uri(transport, "/download/bytes"))
			.method("HEAD", BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(30))
			.build();
		HttpResponse<byte[]> response = this.client.send(head, BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(DemoContent.DOWNLOAD_SIZE);
		assertThat(response.body()).isEmpty();
		// the kept-alive connection to the router is still usable: nothing of a body was left on it
		assertThat(send(get(transport, "/hello")).statusCode()).isEqualTo(200);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void theClientIsTheRoutersAndThePlainPortIsHttp(Transport transport) throws Exception {
		URI uri = this.router.uri(transport, "/request");
		Map<String, Object> seen = readMap(send(HttpRequest.newBuilder(uri).build()));
		assertThat(seen).containsEntry("scheme", "http")
			.containsEntry("uri", uri.toString())
			.containsEntry("contextPath", "")
			.containsEntry("remoteAddress", "127.0.0.1")
			.containsEntry("tls", null);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void httpsAtTheRouterReachesTheApplicationAsHttps(Transport transport) throws Exception {
		HttpClient https = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.sslContext(trustingTheTestCa())
			.build();
		URI uri = this.router.httpsUri(transport, "/request");
		HttpResponse<String> response = https.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString());
		assertThat(response.statusCode()).as(this.router.log()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("scheme", "https").containsEntry("uri", uri.toString());
	}

	@Override
	protected URI uri(Transport transport, String path) {
		return this.router.uri(transport, path);
	}

	@Override
	protected byte[] expectedDownload() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

	private SSLContext trustingTheTestCa() throws Exception {
		KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
		trust.load(null, null);
		try (InputStream in = Files.newInputStream(this.certificates.certificate("ca"))) {
			trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
		}
		TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trusted.init(trust);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trusted.getTrustManagers(), null);
		return context;
	}

}
