package io.github.uwsgispringboot.demo;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.uwsgispringboot.test.LocalUwsgiPort;
import io.github.uwsgispringboot.test.UwsgiClientHttpConnector;

/**
 * The demo's uwsgi path exercised with {@code WebTestClient} and the uwsgi test client, no proxy
 * installed: what an application's own tests look like with uwsgi-spring-boot-test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
class DemoApplicationTests {

	private static final Path SOCKET = socket();

	@LocalUwsgiPort
	private int uwsgiPort;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", SOCKET::toString);
	}

	@Test
	void helloOverTcp() {
		WebTestClient.bindToServer(UwsgiClientHttpConnector.tcp(this.uwsgiPort))
			.build()
			.get()
			.uri("/hello")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo("Hello from Spring WebFlux over uwsgi\n");
	}

	@Test
	void mountedHttpsRequestFromAClientOverTheUnixSocket() {
		WebTestClient.bindToServer(UwsgiClientHttpConnector.unixSocket(SOCKET)
			.var("SCRIPT_NAME", "/app")
			.https(true)
			.remoteAddress(new java.net.InetSocketAddress("203.0.113.5", 40000)))
			.build()
			.get()
			.uri("/app/request")
			.accept(MediaType.APPLICATION_JSON)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.scheme").isEqualTo("https")
			.jsonPath("$.contextPath").isEqualTo("/app")
			.jsonPath("$.pathWithinApplication").isEqualTo("/request")
			.jsonPath("$.remoteAddress").isEqualTo("203.0.113.5");
	}

	private static Path socket() {
		try {
			return Files.createTempDirectory("uwsgi-demo-test").resolve("uwsgi.sock");
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
