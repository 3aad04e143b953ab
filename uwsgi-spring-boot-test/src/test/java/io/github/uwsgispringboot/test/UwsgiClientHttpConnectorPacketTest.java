package io.github.uwsgispringboot.test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.test.CannedUwsgiServer.Request;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiClientHttpConnector}: the packet a {@code WebClient} request becomes, as a
 * uwsgi server reads it off the wire.
 */
class UwsgiClientHttpConnectorPacketTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@Test
	void packetCarriesTheVarsNginxWouldSendThenTheBody() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.answering("HTTP/1.1 204 No Content\r\n\r\n")) {
			ResponseEntity<Void> response = WebClient.builder()
				.clientConnector(UwsgiClientHttpConnector.tcp(server.port()))
				.build()
				.post()
				// a URI, not a template: WebClient would encode the % signs again
				.uri(URI.create("http://shop.example:8080/caf%C3%A9/orders?id=1&x=%20"))
				.contentType(MediaType.TEXT_PLAIN)
				.header("X-Tag", "one", "two")
				.cookie("session", "abc")
				.bodyValue("hello")
				.retrieve()
				.toBodilessEntity()
				.block(TIMEOUT);
			assertThat(response.getStatusCode().value()).isEqualTo(204);
			Request request = server.request();
			assertThat(lines(request.vars())).startsWith("QUERY_STRING=id=1&x=%20", "REQUEST_METHOD=POST",
					"CONTENT_TYPE=text/plain", "CONTENT_LENGTH=5", "REQUEST_URI=/caf%C3%A9/orders?id=1&x=%20",
					"PATH_INFO=/caf\u00C3\u00A9/orders", "SERVER_PROTOCOL=HTTP/1.1", "REQUEST_SCHEME=http",
					"REMOTE_ADDR=127.0.0.1")
				.contains("SERVER_PORT=8080", "SERVER_NAME=shop.example", "HTTP_HOST=shop.example:8080",
						"HTTP_CONTENT_TYPE=text/plain", "HTTP_CONTENT_LENGTH=5", "HTTP_X_TAG=one", "HTTP_X_TAG=two",
						"HTTP_COOKIE=session=abc")
				.noneMatch((line) -> line.startsWith("HTTPS=") || line.startsWith("HTTP_CONNECTION=")
						|| line.startsWith("HTTP_TRANSFER_ENCODING="));
			assertThat(Integer.parseInt(request.vars().get("REMOTE_PORT"))).isPositive();
			assertThat(request.body()).isEqualTo("hello");
		}
	}

	@Test
	void httpsUriIsSentAsHttpsOnWithItsDefaultPort() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.answering("HTTP/1.1 204 No Content\r\n\r\n")) {
			get(UwsgiClientHttpConnector.tcp(server.port()), "https://shop.example/");
			UwsgiVars vars = server.request().vars();
			assertThat(vars.get("HTTPS")).isEqualTo("on");
			assertThat(vars.get("REQUEST_SCHEME")).isEqualTo("https");
			assertThat(vars.get("SERVER_PORT")).isEqualTo("443");
			assertThat(vars.get("HTTP_HOST")).isEqualTo("shop.example");
		}
	}

	@Test
	void getSendsAnEmptyContentLengthAndNoBody() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.answering("HTTP/1.1 204 No Content\r\n\r\n")) {
			get(UwsgiClientHttpConnector.tcp(server.port()), "http://localhost/");
			Request request = server.request();
			assertThat(request.vars().get("CONTENT_LENGTH")).isEmpty();
			assertThat(request.vars().get("CONTENT_TYPE")).isEmpty();
			assertThat(request.body()).isEmpty();
		}
	}

	@Test
	void relativeUriIsSentToLocalhost() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.answering("HTTP/1.1 204 No Content\r\n\r\n")) {
			get(UwsgiClientHttpConnector.tcp(server.port()), "/relative?q=1");
			UwsgiVars vars = server.request().vars();
			assertThat(vars.get("REQUEST_URI")).isEqualTo("/relative?q=1");
			assertThat(vars.get("HTTP_HOST")).isEqualTo("localhost");
			assertThat(vars.get("SERVER_PORT")).isEqualTo("80");
		}
	}

	@Test
	void configuredVarsAndClientAddressAreSent() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.answering("HTTP/1.1 204 No Content\r\n\r\n")) {
			UwsgiClientHttpConnector connector = UwsgiClientHttpConnector.tcp(server.port())
				.https(true)
				.remoteAddress(new InetSocketAddress("203.0.113.7", 40000))
				.var("SCRIPT_NAME", "/app")
				.var("UWSGI_ROUTER", "http");
			get(connector, "http://localhost/app/");
			assertThat(lines(server.request().vars())).contains("HTTPS=on", "REMOTE_ADDR=203.0.113.7",
					"REMOTE_PORT=40000")
				.endsWith("SCRIPT_NAME=/app", "UWSGI_ROUTER=http");
		}
	}

	@Test
	void hostAndPortReachTheListener() throws Exception {
		try (CannedUwsgiServer server = CannedUwsgiServer.answering("HTTP/1.1 204 No Content\r\n\r\n")) {
			get(UwsgiClientHttpConnector.tcp("127.0.0.1", server.port()), "http://localhost/");
			assertThat(server.request().vars().get("REQUEST_URI")).isEqualTo("/");
		}
	}

	private static void get(UwsgiClientHttpConnector connector, String uri) {
		WebClient.builder()
			.clientConnector(connector)
			.build()
			.get()
			.uri(uri)
			.retrieve()
			.toBodilessEntity()
			.block(TIMEOUT);
	}

	private static List<String> lines(UwsgiVars vars) {
		List<String> lines = new ArrayList<>();
		vars.forEach((name, value) -> lines.add(name + "=" + value));
		return lines;
	}

}
