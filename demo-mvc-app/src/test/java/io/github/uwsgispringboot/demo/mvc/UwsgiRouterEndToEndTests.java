package io.github.uwsgispringboot.demo.mvc;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.UwsgiRouterTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo application on Tomcat behind uWSGI's own http router
 * ({@code demo-mvc-app/uwsgi-router/}), reached over its uwsgi unix socket and its uwsgi TCP port,
 * with HTTP and HTTPS at the router.
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
	void theClientIsTheRoutersAndThePlainPortIsHttp(Transport transport) throws Exception {
		URI uri = router().uri(transport, "/request");
		Map<String, Object> seen = readMap(send(HttpRequest.newBuilder(uri).build()));
		assertThat(seen).containsEntry("scheme", "http")
			.containsEntry("uri", uri.toString())
			.containsEntry("contextPath", "")
			.containsEntry("remoteAddress", "127.0.0.1")
			.containsEntry("tls", null);
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
		return "Hello from Spring MVC over uwsgi\n";
	}

	@Override
	protected byte[] expectedDownload() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

}
