package io.github.uwsgispringboot.demo;

import java.nio.file.Path;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.RequestTimeoutTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;

/**
 * The WebFlux demo application with a request timeout, behind a real nginx: see
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
