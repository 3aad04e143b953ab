package io.github.uwsgispringboot.e2e;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.github.uwsgispringboot.e2e.EndToEnd.headers;
import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A demo application behind a real Apache httpd with mod_proxy_uwsgi (the application's
 * {@code apache/}), reached over its uwsgi unix socket and its uwsgi TCP port: the
 * {@link ProxiedApplicationTests shared checks} and what both demo applications get from Apache.
 * The application must listen on a random uwsgi port ({@code uwsgi.port=0}), never
 * {@link Apache#UNREACHABLE_UWSGI_PORT}, which mod_proxy_uwsgi cannot reach.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ApacheTests extends ProxiedApplicationTests {

	private Apache apache;

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
	void startApache() throws Exception {
		this.apache = Apache.start(uwsgiSocket(), uwsgiPort());
	}

	@AfterAll
	void stopApache() throws Exception {
		if (this.apache != null) {
			this.apache.close();
		}
	}

	/**
	 * Return the running Apache, for its error log.
	 * @return Apache
	 */
	protected Apache apache() {
		return this.apache;
	}

	@Override
	protected URI uri(Transport transport, String path) {
		return this.apache.uri(transport, path);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void getReturnsTheHandlersText(Transport transport) throws Exception {
		HttpResponse<String> response = send(get(transport, "/hello"));
		assertThat(response.statusCode()).as(this.apache.errorLog()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(expectedHello());
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/plain"));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void postOfTenMegabytesArrivesIntact(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		HttpResponse<String> response = send(post(transport, "/sha256", BodyPublishers.ofByteArray(body)).build());
		assertThat(response.statusCode()).as(this.apache.errorLog()).isEqualTo(200);
		assertThat(readMap(response)).containsEntry("length", body.length).containsEntry("sha256", sha256(body));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void headHasTheHeadersOfGetAndNoBody(Transport transport) throws Exception {
		HttpRequest head = HttpRequest.newBuilder(this.apache.uri(transport, "/download/bytes"))
			.method("HEAD", BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(30))
			.build();
		HttpResponse<byte[]> response = this.client.send(head, BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(expectedDownload().length);
		assertThat(response.body()).isEmpty();
		// the connection to Apache is still usable: nothing of a body was left on it
		assertThat(send(get(transport, "/hello")).statusCode()).isEqualTo(200);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void subPathMountArrivesAsTheContextPath(Transport transport) throws Exception {
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
	public void theClientIsApachesClientAndApachesOwnVarsAreNoHeaders(Transport transport) throws Exception {
		Map<String, Object> seen = readMap(send(get(transport, "/request")));
		assertThat(seen).containsEntry("scheme", "http")
			.containsEntry("contextPath", "")
			.containsEntry("remoteAddress", "127.0.0.1");
		assertThat((Integer) seen.get("remotePort")).isPositive();
		// Apache also sends PATH (its own environment), SERVER_SOFTWARE, DOCUMENT_ROOT, SCRIPT_FILENAME ...
		assertThat(headers(seen).keySet()).allSatisfy((name) -> assertThat(name).isIn("Host", "User-Agent"));
	}

}
