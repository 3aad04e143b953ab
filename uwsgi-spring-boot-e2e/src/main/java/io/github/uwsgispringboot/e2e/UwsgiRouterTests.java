package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static io.github.uwsgispringboot.e2e.EndToEnd.vars;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A demo application behind uWSGI's own http router (the application's {@code uwsgi-router/}),
 * reached over its uwsgi unix socket and its uwsgi TCP port, with HTTP and HTTPS at the router: the
 * {@link ProxiedApplicationTests shared checks} and what both demo applications get from the
 * router.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class UwsgiRouterTests extends ProxiedApplicationTests {

	private TestCertificates certificates;

	private UwsgiRouter router;

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
	 * Return the body the application answers {@code /hello} with, as text/plain.
	 * @return the greeting
	 */
	protected abstract String expectedHello();

	@BeforeAll
	void startRouters() throws Exception {
		this.certificates = TestCertificates.create();
		this.router = UwsgiRouter.start(uwsgiSocket(), uwsgiPort(), this.certificates.certificate("server"),
				this.certificates.key("server"));
	}

	@AfterAll
	void stopRouters() throws Exception {
		if (this.router != null) {
			this.router.close();
		}
	}

	/**
	 * Return the running router, for its log and its HTTPS front ends.
	 * @return the router
	 */
	protected UwsgiRouter router() {
		return this.router;
	}

	@Override
	protected URI uri(Transport transport, String path) {
		return this.router.uri(transport, path);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void getReturnsTheHandlersText(Transport transport) throws Exception {
		HttpResponse<String> response = send(get(transport, "/hello"));
		assertThat(response.statusCode()).as(this.router.log()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(expectedHello());
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/plain"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void postOfTenMegabytesArrivesIntact(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		HttpResponse<String> response = sendPost(post(transport, "/sha256", BodyPublishers.ofByteArray(body)).build());
		assertThat(response.statusCode()).as(this.router.log()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("length", body.length).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void headHasTheHeadersOfGetAndNoBody(Transport transport) throws Exception {
		HttpRequest head = HttpRequest.newBuilder(this.router.uri(transport, "/download/bytes"))
			.method("HEAD", BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(30))
			.build();
		HttpResponse<byte[]> response = this.client.send(head, BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(expectedDownload().length);
		assertThat(response.body()).isEmpty();
		// the kept-alive connection to the router is still usable: nothing of a body was left on it
		assertThat(send(get(transport, "/hello")).statusCode()).isEqualTo(200);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void httpsAtTheRouterReachesTheApplicationAsHttps(Transport transport) throws Exception {
		HttpClient https = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.sslContext(this.certificates.trustingTheCa())
			.build();
		URI uri = this.router.httpsUri(transport, "/request");
		HttpResponse<String> response = https.send(get(uri), BodyHandlers.ofString());
		assertThat(response.statusCode()).as(this.router.log()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("scheme", "https").containsEntry("uri", uri.toString());
		Map<String, List<String>> vars = vars(readMap(https.send(get(this.router.httpsUri(transport, "/vars")),
				BodyHandlers.ofString())));
		// HTTPS=on is all the router says: no REQUEST_SCHEME
		assertThat(vars).containsEntry("HTTPS", List.of("on")).doesNotContainKey("REQUEST_SCHEME");
	}

	protected static HttpRequest get(URI uri) {
		return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
	}

	/**
	 * Send a POST on a connection of its own. When the router cannot keep a connection (the
	 * application answered before the whole body was passed on), it closes it after the response
	 * without a "Connection: close", and java.net.http retries a GET on such a connection but not a
	 * POST ("header parser received no bytes").
	 */
	protected static HttpResponse<String> sendPost(HttpRequest request) throws IOException, InterruptedException {
		HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(10))
			.build();
		return client.send(request, BodyHandlers.ofString());
	}

}
