package io.github.uwsgispringboot.demo;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;


import io.github.uwsgispringboot.e2e.Nginx;
import io.github.uwsgispringboot.e2e.Transport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping the application with {@code server.shutdown=graceful} (Spring Boot's default) behind a
 * real nginx: the request in flight finishes, the uwsgi listener is gone, the socket file removed.
 */
class GracefulShutdownEndToEndTests {

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@ParameterizedTest
	@EnumSource(Transport.class)
	void requestInFlightFinishesAndTheListenerIsGone(Transport transport) throws Exception {
		Path socketDir = Files.createTempDirectory("uwsgi-graceful");
		Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path socket = socketDir.resolve("uwsgi.sock");
		ConfigurableApplicationContext context = new SpringApplicationBuilder(DemoApplication.class).run(
				"--server.port=0", "--uwsgi.port=0", "--uwsgi.unix-socket.path=" + socket,
				"--spring.lifecycle.timeout-per-shutdown-phase=20s");
		int uwsgiPort = context.getEnvironment().getRequiredProperty("local.uwsgi.port", Integer.class);
		try (Nginx nginx = Nginx.start(socket, uwsgiPort)) {
			CountDownLatch firstEvent = new CountDownLatch(1);
			HttpRequest events = HttpRequest
				.newBuilder(nginx.uri(transport, "/events?count=4&intervalMillis=500"))
				.build();
			CompletableFuture<List<String>> inFlight = this.client.sendAsync(events, BodyHandlers.ofLines())
				.thenApply(HttpResponse::body)
				.thenApply((Stream<String> lines) -> lines.filter((line) -> line.startsWith("data:"))
					.peek((line) -> firstEvent.countDown())
					.toList());
			assertThat(firstEvent.await(10, TimeUnit.SECONDS)).isTrue();

			context.close();

			assertThat(inFlight.get(10, TimeUnit.SECONDS)).hasSize(4);
			HttpResponse<String> afterStop = this.client.send(
					HttpRequest.newBuilder(nginx.uri(transport, "/hello")).timeout(Duration.ofSeconds(10)).build(),
					BodyHandlers.ofString());
			assertThat(afterStop.statusCode()).isEqualTo(502);
			assertThat(socket).doesNotExist();
		}
		finally {
			context.close();
		}
	}

}
