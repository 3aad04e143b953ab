package io.github.uwsgispringboot.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.Nginx;
import io.github.uwsgispringboot.e2e.Transport;
import io.github.uwsgispringboot.server.UwsgiAccessLog;

import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator sees of uwsgi traffic through nginx: the listener's health, its own meters, the
 * application's {@code http.server.requests}, and the access log with the client nginx saw.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActuatorEndToEndTests {

	private static final Path SOCKET_DIR = socketDir();

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final JsonMapper json = new JsonMapper();

	@LocalServerPort
	private int httpPort;

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	private Nginx nginx;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	@BeforeAll
	void startNginx() throws Exception {
		this.nginx = Nginx.start(SOCKET_DIR.resolve("uwsgi.sock"), this.uwsgiPort);
	}

	@AfterAll
	void stopNginx() throws Exception {
		this.nginx.close();
	}

	@Test
	@SuppressWarnings("unchecked")
	void healthShowsTheListenerUpWithWhereItListens() throws Exception {
		Map<String, Object> health = get(URI.create("http://127.0.0.1:" + this.httpPort + "/actuator/health"));
		Map<String, Object> uwsgi = (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("uwsgi");
		assertThat(uwsgi).containsEntry("status", "UP");
		Map<String, Object> details = (Map<String, Object>) uwsgi.get("details");
		assertThat(details).containsEntry("tcp", "127.0.0.1:" + this.uwsgiPort)
			.containsEntry("unixSocket", SOCKET_DIR.resolve("uwsgi.sock").toString());
		// the listen queues, read from the kernel: a unix socket's only with ss from iproute2
		Map<String, Object> queues = (Map<String, Object>) details.get("listenQueue");
		assertThat(queues).containsKey("tcp");
		assertThat((Map<String, Object>) queues.get("tcp")).containsEntry("limit", 1024).containsKey("length");
		if (Stream.of("/usr/bin/ss", "/usr/sbin/ss", "/bin/ss", "/sbin/ss").anyMatch((ss) -> Files.isExecutable(Path.of(ss)))) {
			assertThat((Map<String, Object>) queues.get("unix")).containsEntry("limit", 1024).containsKey("length");
		}
	}

	@Test
	void uwsgiRequestsFeedTheirOwnMetersAndTheApplicationsObservations() throws Exception {
		for (Transport transport : Transport.values()) {
			assertThat(this.client.send(HttpRequest.newBuilder(this.nginx.uri(transport, "/json")).build(),
					BodyHandlers.discarding()).statusCode()).isEqualTo(200);
		}
		Map<String, Object> uwsgi = metric("uwsgi.server.requests?tag=status:200&tag=transport:unix");
		assertThat(count(uwsgi)).isGreaterThanOrEqualTo(1);
		Map<String, Object> observed = metric("http.server.requests?tag=uri:/json");
		// only the uwsgi requests went to /json: the HTTP port saw none
		assertThat(count(observed)).isGreaterThanOrEqualTo(2);
	}

	@Test
	void accessLogHasTheClientNginxSawAndTheClientsRequestLine() throws Exception {
		Logger accessLog = (Logger) LoggerFactory.getLogger(UwsgiAccessLog.LOGGER_NAME);
		ListAppender<ILoggingEvent> lines = new ListAppender<>();
		lines.start();
		accessLog.addAppender(lines);
		try {
			HttpRequest request = HttpRequest.newBuilder(this.nginx.uri(Transport.UNIX_SOCKET, "/app/hello?from=log"))
				.header("X-Real-IP", "198.51.100.77")
				.build();
			this.client.send(request, BodyHandlers.discarding());
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
					.anySatisfy((line) -> assertThat(line).startsWith("198.51.100.77 - - [")
						.contains("\"GET /app/hello?from=log HTTP/1.1\" 200 37 ")));
		}
		finally {
			accessLog.detachAppender(lines);
		}
	}

	private Map<String, Object> metric(String nameAndQuery) throws Exception {
		return get(URI.create("http://127.0.0.1:" + this.httpPort + "/actuator/metrics/" + nameAndQuery));
	}

	@SuppressWarnings("unchecked")
	private static double count(Map<String, Object> metric) {
		List<Map<String, Object>> measurements = (List<Map<String, Object>>) metric.get("measurements");
		return measurements.stream()
			.filter((measurement) -> "COUNT".equals(measurement.get("statistic")))
			.mapToDouble((measurement) -> ((Number) measurement.get("value")).doubleValue())
			.sum();
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> get(URI uri) throws Exception {
		String body = this.client.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()).body();
		return this.json.readValue(body, Map.class);
	}

}
