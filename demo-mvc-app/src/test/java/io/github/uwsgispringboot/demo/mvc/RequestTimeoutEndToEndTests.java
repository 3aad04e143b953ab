package io.github.uwsgispringboot.demo.mvc;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.RequestTimeoutTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC demo application with a request timeout, behind a real nginx: see
 * {@link RequestTimeoutTests}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "uwsgi.port=0", "uwsgi.request-timeout=" + RequestTimeoutTests.TIMEOUT_MILLIS + "ms" })
class RequestTimeoutEndToEndTests extends RequestTimeoutTests {

	private static final Path SOCKET_DIR = socketDir();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	@Autowired
	private MeterRegistry registry;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	/**
	 * An asynchronous request has no thread while it waits for its result: it is answered 504 all
	 * the same, and its result, set later, is dropped.
	 */
	@ParameterizedTest
	@EnumSource(Transport.class)
	void deferredResultPastTheTimeoutIsAnswered504(Transport transport) throws Exception {
		double counted = timeoutsCounted(transport);
		long start = System.nanoTime();
		HttpResponse<String> response = get(transport, "/stream/deferred?delayMillis=" + (3 * TIMEOUT_MILLIS));
		long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(elapsed).as("answered at the deadline").isLessThan(3 * TIMEOUT_MILLIS);
		assertThat(timeoutsCounted(transport)).isEqualTo(counted + 1);
		// the result set after the 504 is dropped, and the application serves on
		Thread.sleep(3 * TIMEOUT_MILLIS - elapsed + 200);
		assertThat(get(transport, "/slow?millis=1").body()).isEqualTo("Slept 1 ms\n");
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
	protected double timeoutsCounted(Transport transport) {
		Counter counter = this.registry.find("uwsgi.server.requests.timeout")
			.tag("transport", transport.tag())
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

}
