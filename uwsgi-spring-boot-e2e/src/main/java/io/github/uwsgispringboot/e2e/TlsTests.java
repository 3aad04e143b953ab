package io.github.uwsgispringboot.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * uwsgi over TLS behind a real nginx (the application's {@code nginx/suwsgi.conf}): nginx verifies
 * the listener's certificate, the listener requires nginx's ({@code uwsgi.ssl.client-auth=need}),
 * and the client certificate of an HTTPS client, forwarded by nginx, reaches the application, which
 * shows its subject as {@code tls.clientCertificate} in the JSON of {@code /request}. The
 * application runs with {@code uwsgi.ssl.bundle=uwsgi} and {@link #applicationProperties()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TlsTests {

	/** The certificate authority, the listener's, nginx's, a rogue proxy's and a user's. */
	protected static final TestCertificates certificates = createCertificates();

	private Nginx nginx;

	/**
	 * Return the application's properties besides {@code uwsgi.ssl.*}: the SSL bundle {@code uwsgi}
	 * (the listener's certificate and key, and the certificate authority it trusts) and a unix socket
	 * of its own, which nginx does not use here.
	 * @return the property names and values
	 */
	protected static Map<String, String> applicationProperties() {
		return Map.of("spring.ssl.bundle.pem.uwsgi.keystore.certificate", "file:" + certificates.certificate("server"),
				"spring.ssl.bundle.pem.uwsgi.keystore.private-key", "file:" + certificates.key("server"),
				"spring.ssl.bundle.pem.uwsgi.truststore.certificate", "file:" + certificates.certificate("ca"),
				"uwsgi.unix-socket.path", EndToEnd.socketDir().resolve("uwsgi.sock").toString());
	}

	/**
	 * Return the application's uwsgi TCP port, its TLS listener.
	 * @return the port
	 */
	protected abstract int uwsgiPort();

	/**
	 * Return the body the application answers {@code /hello} with.
	 * @return the greeting
	 */
	protected abstract String expectedHello();

	@BeforeAll
	void startNginx() throws Exception {
		Map<String, String> values = Map.of("@UWSGI_PORT@", Integer.toString(uwsgiPort()), "@CA_CERT@",
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
	public void proxyThatVerifiesTheListenerAndPresentsATrustedCertificateIsServed() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT@", "http", "/hello"), BodyHandlers.ofString());
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(expectedHello());
	}

	@Test
	public void proxyWithAnUntrustedCertificateIsRefused() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT_ROGUE@", "http", "/hello"),
				BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(this.nginx.errorLog()).contains("SSL");
	}

	@Test
	public void proxyWithoutACertificateIsRefused() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT_NO_CERT@", "http", "/hello"),
				BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(502);
	}

	@Test
	public void clientCertificateForwardedByTheProxyIsTheRequestsClientCertificate() throws Exception {
		HttpResponse<String> response = clientWithCertificate().send(get("@HTTPS_PORT@", "https", "/request"),
				BodyHandlers.ofString());
		assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
		Map<?, ?> seen = readMap(response);
		assertThat(seen.get("scheme")).isEqualTo("https");
		Map<?, ?> tls = (Map<?, ?>) seen.get("tls");
		assertThat(tls.get("clientCertificate")).isEqualTo("CN=Alice Example");
	}

	@Test
	public void plainHttpClientHasNoClientCertificateWhateverTheProxyConnection() throws Exception {
		HttpResponse<String> response = plainClient().send(get("@HTTP_PORT@", "http", "/request"), BodyHandlers.ofString());
		Map<?, ?> seen = readMap(response);
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
		return HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.sslContext(certificates.presenting("user"))
			.build();
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
