package io.github.uwsgispringboot.demo.mvc;

import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.Nginx;
import io.github.uwsgispringboot.e2e.ProxiedApplicationTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo with {@code spring.threads.virtual.enabled=true} behind a real nginx: uwsgi
 * requests are served on virtual threads, and the shared checks, the streams and a burst of
 * concurrent requests still hold. Virtual threads need Java 21: on an older JVM Spring Boot ignores
 * the property, and these tests are skipped (run the build with a JDK 21+ to run them).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "uwsgi.port=0", "spring.threads.virtual.enabled=true" })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21")
class VirtualThreadsEndToEndTests extends ProxiedApplicationTests {

	private static final Path SOCKET_DIR = socketDir();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	private Nginx nginx;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	@BeforeAll
	void startNginx() throws Exception {
		this.nginx = Nginx.start(this.uwsgiSocket, this.uwsgiPort);
	}

	@AfterAll
	void stopNginx() throws Exception {
		if (this.nginx != null) {
			this.nginx.close();
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void handlersRunOnVirtualThreads(Transport transport) throws Exception {
		assertThat(readMap(send(get(transport, "/request")))).hasEntrySatisfying("thread",
				(thread) -> assertThat((String) thread).startsWith("VirtualThread["));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void streamsAndDeferredResultsAreServed(Transport transport) throws Exception {
		HttpResponse<String> events = send(get(transport, "/events?count=3&intervalMillis=100"));
		assertThat(events.body().lines().filter((line) -> line.startsWith("data:"))).hasSize(3);
		HttpResponse<String> lines = send(get(transport, "/stream/lines?count=3&intervalMillis=100"));
		assertThat(lines.body().lines()).hasSize(3);
		assertThat(send(get(transport, "/stream/deferred?delayMillis=100")).body()).isEqualTo("Deferred by 100 ms\n");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void twoHundredConcurrentRequestsAllGetTheirOwnAnswer(Transport transport) throws Exception {
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			responses.add(this.client.sendAsync(get(transport, "/path/n" + i + "?q=" + i), BodyHandlers.ofString()));
		}
		for (int i = 0; i < 200; i++) {
			HttpResponse<String> response = responses.get(i).get();
			assertThat(response.statusCode()).as(this.nginx.errorLog()).isEqualTo(200);
			assertThat(readMap(response)).containsEntry("segment", "n" + i).containsEntry("q", Integer.toString(i));
		}
	}

	@Override
	protected URI uri(Transport transport, String path) {
		return this.nginx.uri(transport, path);
	}

	@Override
	protected byte[] expectedDownload() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

}
