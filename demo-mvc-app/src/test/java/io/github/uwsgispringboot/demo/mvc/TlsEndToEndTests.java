package io.github.uwsgispringboot.demo.mvc;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.Nginx;
import io.github.uwsgispringboot.e2e.TestCertificates;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Tomcat uwsgi connectors over TLS behind a real nginx ({@code demo-mvc-app/nginx/suwsgi.conf}):
 * nginx verifies the connector's certificate, the connector requires nginx's
 * ({@code uwsgi.ssl.client-auth=need}), and the client certificate of an HTTPS client, forwarded
 * in a var, reaches the application as {@code jakarta.servlet.request.X509Certificate}. The same
 * checks as the WebFlux demo's {@code TlsEndToEndTests}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "uwsgi.port=0", "uwsgi.ssl.bundle=uwsgi", "uwsgi.ssl.client-auth=need" })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsEndToEndTests {

	private static final TestCertificates certificates = createCertificates();

	private final JsonMapper json = new JsonMapper();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	private Nginx nginx;

	@DynamicPropertySource
	static void tls(DynamicPropertyRegistry registry) throws Exception {
		registry.add("spring.ssl.bundle.pem.uwsgi.keystore.certificate", () -> "file:" + certificates.certificate("server"));
		registry.add("spring.ssl.bundle.pem.uwsgi.keystore.private-key", () -> "file:" + certificates.key("server"));
		registry.add("spring.ssl.bundle.pem.uwsgi.truststore.certificate", () -> "file:" + certificates.certificate("ca"));
		Path socketDir = Files.createTempDirectory("uwsgi-tls-socket");
		registry.add("uwsgi.unix-socket.path", () -> socketDir.resolve("uwsgi.sock").toString());
	}

	@BeforeAll
	void startNginx() throws Exception {
		Map<String, String> values = Map.of("@UWSGI_PORT@", Integer.toString(this.uwsgiPort), "@CA_CERT@",
				certificates.certificate("ca").toString(), "@PROXY_CERT@", certificates.certificate("client").toString(),
				"@PROXY_KEY@", certificates.key("client").toString(), "@ROGUE_CERT@",
				certificates.certificate("rogue").toString(), "@ROGUE_KEY@", certificates.key("rogue").toString(),
				"@SERVER_CERT@", certificates.certificate("server").toString(), "@SERVER_KEY@",
				certificates.key("server").toString());
		this.nginx = Nginx.start(Path.of("nginx"), List.of("suwsgi.conf"), values, "@HTTP_PORT@", "@HTTPS_PORT@",
				"@HTTP_PORT_ROGUE@", "@HTTP_PORT_NO_CERT@");
	}

	@AfterAll
	void stopNginx() throws Exception {
		if (this.nginx != null) {
			this.nginx.close();
		}
	}

	@Test
	void proxyThatVerifiesTheListenerAndPresentsATrustedCertificateIsServed() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT@", "http", "/hello"), BodyHandlers.ofString());
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("Hello from Spring MVC over uwsgi\n");
	}

	@Test
	void proxyWithAnUntrustedCertificateIsRefused() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT_ROGUE@", "http", "/hello"),
				BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(this.nginx.errorLog()).contains("SSL");
	}

	@Test
	void proxyWithoutACertificateIsRefused() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT_NO_CERT@", "http", "/hello"),
				BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(502);
	}

	@Test
	void clientCertificateForwardedByTheProxyIsTheRequestsX509CertificateAttribute() throws Exception {
		HttpResponse<String> response = clientWithCertificate().send(get("@HTTPS_PORT@", "https", "/request"),
				BodyHandlers.ofString());
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		Map<?, ?> seen = this.json.readValue(response.body(), Map.class);
		assertThat(seen.get("scheme")).isEqualTo("https");
		Map<?, ?> tls = (Map<?, ?>) seen.get("tls");
		assertThat(tls.get("clientCertificate")).isEqualTo("CN=Alice Example");
	}

	@Test
	void plainHttpClientHasNoClientCertificateWhateverTheProxyConnection() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT@", "http", "/request"), BodyHandlers.ofString());
		Map<?, ?> seen = this.json.readValue(response.body(), Map.class);
		assertThat(seen.get("scheme")).isEqualTo("http");
		assertThat(seen.get("tls")).isNull();
	}

	private HttpRequest get(String port, String scheme, String path) {
		return HttpRequest.newBuilder(this.nginx.uri(port, scheme, path)).timeout(Duration.ofSeconds(20)).build();
	}

	private static HttpClient plainClient() {
		return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
	}

	private static HttpClient clientWithCertificate() throws Exception {
		KeyStore identity = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(certificates.pkcs12("user"))) {
			identity.load(in, "secret".toCharArray());
		}
		KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keys.init(identity, "secret".toCharArray());
		KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
		trust.load(null, null);
		try (InputStream in = Files.newInputStream(certificates.certificate("ca"))) {
			trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
		}
		TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trusted.init(trust);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keys.getKeyManagers(), trusted.getTrustManagers(), null);
		return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context).build();
	}

	private static TestCertificates createCertificates() {
		try {
			return TestCertificates.create();
		}
		catch (Exception ex) {
			throw new IllegalStateException("Cannot create test certificates (is openssl installed?)", ex);
		}
	}

}
