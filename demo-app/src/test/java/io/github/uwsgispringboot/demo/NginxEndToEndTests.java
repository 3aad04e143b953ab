package io.github.uwsgispringboot.demo;

import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.NginxTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo application behind a real nginx ({@code demo-app/nginx/}), reached over its uwsgi unix
 * socket and its uwsgi TCP port: every request shape a user relies on, checked byte for byte.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
class NginxEndToEndTests extends NginxTests {

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
	void serverSentEventsArriveOneByOne(Transport transport) throws Exception {
		long start = System.nanoTime();
		HttpResponse<Stream<String>> response = this.client
			.send(get(transport, "/events?count=3&intervalMillis=700"), BodyHandlers.ofLines());
		List<Long> arrivals = new ArrayList<>();
		List<String> data = new ArrayList<>();
		try (Stream<String> lines = response.body()) {
			lines.filter((line) -> line.startsWith("data:")).forEach((line) -> {
				arrivals.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
				data.add(line);
			});
		}
		assertThat(data).hasSize(3);
		assertThat(data.get(0)).startsWith("data:event 0");
		assertArrivedOneByOne(arrivals);
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
		return "Hello from Spring WebFlux over uwsgi\n";
	}

	@Override
	protected byte[] expectedDownload() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

}
