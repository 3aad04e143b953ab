package io.github.uwsgispringboot.demo.mvc;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.ApacheTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo application on Tomcat behind a real Apache httpd with mod_proxy_uwsgi
 * ({@code demo-mvc-app/apache/}), reached over its uwsgi unix socket and its uwsgi TCP port.
 */
// uwsgi.port=0: a random port, never 3031, which mod_proxy_uwsgi cannot reach (Apache.start checks)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
class ApacheEndToEndTests extends ApacheTests {

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
	void earlyAnswersToALargePostArriveAsSuchNotBadGateway(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		for (int i = 0; i < 3; i++) {
			assertThat(send(post(transport, "/no-such-endpoint", BodyPublishers.ofByteArray(body)).build()).statusCode())
				.as(apache().errorLog())
				.isEqualTo(404);
			assertThat(send(post(transport, "/small-body", BodyPublishers.ofByteArray(body)).build()).statusCode())
				.as(apache().errorLog())
				.isEqualTo(413);
		}
		// AH10098: "sending data to ... failed", when the application closes before the body is sent
		assertThat(apache().errorLog()).doesNotContain("AH10098").doesNotContain("reset by peer");
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
