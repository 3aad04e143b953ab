package io.github.uwsgispringboot.demo.mvc;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.NginxTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo application on Tomcat behind a real nginx ({@code demo-mvc-app/nginx/}), reached
 * over its uwsgi unix socket and its uwsgi TCP port: the request shapes of the WebFlux demo's
 * matrix, and the servlet container's own ways of answering: {@code SseEmitter},
 * {@code StreamingResponseBody} and {@code DeferredResult} through {@code uwsgi_buffering off}, an
 * answer to a large POST before its body was read.
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
	void sseEmitterEventsArriveOneByOne(Transport transport) throws Exception {
		List<Long> arrivals = arrivals(transport, "/events?count=3&intervalMillis=700", "data:");
		assertArrivedOneByOne(arrivals);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void streamingResponseBodyLinesArriveOneByOne(Transport transport) throws Exception {
		List<Long> arrivals = arrivals(transport, "/stream/lines?count=3&intervalMillis=700", "line ");
		assertArrivedOneByOne(arrivals);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void deferredResultIsAnsweredWhenItIsSet(Transport transport) throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = send(get(transport, "/stream/deferred?delayMillis=600"));
		long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
		assertThat(response.statusCode()).as(nginx().errorLog()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("Deferred by 600 ms\n");
		assertThat(elapsed).isGreaterThanOrEqualTo(600);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void manyDeferredResultsAreAnsweredTogetherNotOneAfterTheOther(Transport transport) throws Exception {
		// 50 requests waiting 1 s each: the request threads are free while they wait
		long start = System.nanoTime();
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			responses.add(this.client.sendAsync(get(transport, "/stream/deferred?delayMillis=1000"),
					BodyHandlers.ofString()));
		}
		for (CompletableFuture<HttpResponse<String>> response : responses) {
			assertThat(response.get().statusCode()).as(nginx().errorLog()).isEqualTo(200);
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void contentTooLargeForALargePostArrivesAsSuchNotBadGateway(Transport transport) throws Exception {
		byte[] body = randomBytes(10 * 1024 * 1024);
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = send(post(transport, "/small-body", BodyPublishers.ofByteArray(body)).build());
			assertThat(response.statusCode()).as(nginx().errorLog()).isEqualTo(413);
			assertThat(readMap(response)).containsEntry("limit", (int) DemoController.SMALL_BODY_LIMIT);
		}
		assertThat(nginx().errorLog()).doesNotContain("reset by peer").doesNotContain("upstream prematurely");
		HttpResponse<String> small = send(post(transport, "/small-body", BodyPublishers.ofByteArray(randomBytes(100)))
			.build());
		assertThat(readMap(small)).containsEntry("length", 100);
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
