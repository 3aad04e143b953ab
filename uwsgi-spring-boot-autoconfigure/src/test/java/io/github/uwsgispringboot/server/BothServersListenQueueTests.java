package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.actuate.UwsgiServerHealthIndicator;
import io.github.uwsgispringboot.actuate.UwsgiServerMeters;
import io.github.uwsgispringboot.autoconfigure.UwsgiMetricsAutoConfiguration;
import io.github.uwsgispringboot.autoconfigure.UwsgiTomcatAutoConfiguration;
import io.github.uwsgispringboot.protocol.ListenQueueMonitor;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiListenerStatus;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The listen queue on both servers, filled for real: a server with {@code max-connections} 1 and
 * one connection open stops accepting, so that the next connections wait in the kernel's queue
 * of backlog 2 until it is full (the kernel queues one more than the backlog). Both servers show
 * the same meters, the same health detail and the same warning, over TCP and unix sockets.
 */
@EnabledOnOs(OS.LINUX)
class BothServersListenQueueTests {

	private static final int BACKLOG = 2;

	/** The unix socket's queue is read every 5 s: two reads, and room. */
	private static final Duration METER_TIMEOUT = Duration.ofSeconds(15);

	private static final Logger monitorLog = Logger.getLogger(ListenQueueMonitor.class.getName());

	private final LogLines logCapture = new LogLines(Level.WARNING);

	private final List<String> warnings = this.logCapture.lines();

	private final List<AutoCloseable> opened = new ArrayList<>();

	@TempDir
	Path temp;

	@BeforeEach
	void requireSs() {
		assumeThat(Stream.of("/usr/bin/ss", "/usr/sbin/ss", "/bin/ss", "/sbin/ss")
			.anyMatch((ss) -> Files.isExecutable(Path.of(ss)))).as("ss from iproute2, to read the unix socket's queue")
			.isTrue();
	}

	@AfterEach
	void close() throws Exception {
		monitorLog.removeHandler(this.logCapture);
		for (int i = this.opened.size() - 1; i >= 0; i--) {
			this.opened.get(i).close();
		}
	}

	@Test
	void nettyServerFullQueueIsMeteredWarnedAndInHealth() throws Exception {
		captureLog();
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Path socket = this.temp.resolve("netty.sock");
		HttpHandler hello = (request, response) -> response
			.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, socket, null,
				UwsgiLimits.NONE, Duration.ofSeconds(1), null, null, 1, List.of(), true, BACKLOG), () -> hello,
				List.<UwsgiServerListener>of(new UwsgiServerMeters(registry)));
		server.start();
		this.opened.add(server::stop);
		// one connection limit for the whole server: one open connection stops both listeners
		hold(server.tcpAddress(), registry, "tcp");
		fillAndCheck(server, registry, server.tcpAddress(), socket);
	}

	@Test
	void tomcatConnectorsFullQueueIsMeteredWarnedAndInHealth() throws Exception {
		Path socket = this.temp.resolve("tomcat.sock");
		ConfigurableApplicationContext context = new SpringApplicationBuilder(MvcApplication.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=-1", "uwsgi.port=0", "uwsgi.unix-socket.path=" + socket,
					"uwsgi.max-connections=1", "uwsgi.backlog=" + BACKLOG, "uwsgi.header-timeout=60s",
					"spring.main.banner-mode=off")
			.run();
		this.opened.add(context);
		// after Spring Boot has set up logging
		captureLog();
		MeterRegistry registry = context.getBean(MeterRegistry.class);
		UwsgiListenerStatus connectors = context.getBean(UwsgiListenerStatus.class);
		InetSocketAddress tcp = new InetSocketAddress(InetAddress.getLoopbackAddress(),
				context.getEnvironment().getRequiredProperty("local.uwsgi.port", Integer.class));
		// a connection limit per connector: one open connection on each
		hold(tcp, registry, "tcp");
		hold(UnixDomainSocketAddress.of(socket), registry, "unix");
		fillAndCheck(connectors, registry, tcp, socket);
	}

	private void fillAndCheck(UwsgiListenerStatus server, MeterRegistry registry, InetSocketAddress tcp, Path socket)
			throws Exception {
		connectWithoutWaiting(tcp, BACKLOG + 4);
		connectWithoutWaiting(UnixDomainSocketAddress.of(socket), BACKLOG + 4);
		// the Netty server accepts on several event loops: one that had not seen the limit yet may
		// take a connection out of the queue after it filled (it then waits, accepted, in the server);
		// over a unix socket the connections refused meanwhile are gone. A second round fills it again.
		Thread.sleep(500);
		connectWithoutWaiting(tcp, BACKLOG + 4);
		connectWithoutWaiting(UnixDomainSocketAddress.of(socket), BACKLOG + 4);
		for (String transport : List.of("tcp", "unix")) {
			assertThat(awaitValue(() -> registry.find(UwsgiServerMeters.LISTEN_QUEUE).tag("transport", transport).gauge(),
					BACKLOG + 1))
				.as("connections queued on " + transport)
				.isEqualTo(BACKLOG + 1);
			assertThat(registry.get(UwsgiServerMeters.LISTEN_QUEUE_LIMIT).tag("transport", transport).gauge().value())
				.isEqualTo(BACKLOG);
		}
		Health health = new UwsgiServerHealthIndicator(server).health(true);
		assertThat(health.getDetails()).containsEntry("listenQueue",
				Map.of("tcp", Map.of("length", BACKLOG + 1, "limit", BACKLOG), "unix",
						Map.of("length", BACKLOG + 1, "limit", BACKLOG)));
		assertThat(this.warnings).anySatisfy((warning) -> assertThat(warning)
			.startsWith("uwsgi listen queue of tcp 127.0.0.1:" + tcp.getPort() + " full (3/2): ")
			.contains("Raise uwsgi.backlog and net.core.somaxconn"));
		assertThat(this.warnings).anySatisfy((warning) -> assertThat(warning)
			.startsWith("uwsgi listen queue of unix:" + socket + " full (3/2): new connections are refused"));
	}

	private void captureLog() {
		this.logCapture.captureFrom(monitorLog);
	}

	/** Open a connection and wait until the server has accepted it. */
	private void hold(SocketAddress address, MeterRegistry registry, String transport) throws Exception {
		SocketChannel held = SocketChannel.open(address);
		this.opened.add(held);
		assertThat(awaitValue(() -> registry.find(UwsgiServerMeters.CONNECTIONS_ACTIVE).tag("transport", transport)
			.gauge(), 1)).as("the connection held open on " + transport).isEqualTo(1);
	}

	/** Connect without blocking: a connection beyond a full queue would wait for the kernel's retries. */
	private void connectWithoutWaiting(SocketAddress address, int count) throws IOException {
		for (int i = 0; i < count; i++) {
			SocketChannel client = (address instanceof UnixDomainSocketAddress)
					? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
			this.opened.add(client);
			client.configureBlocking(false);
			try {
				client.connect(address);
			}
			catch (IOException ex) {
				// a unix socket refuses at once what its full queue cannot take
			}
		}
	}

	private static double awaitValue(Supplier<Gauge> gauge, double expected) throws InterruptedException {
		long deadline = System.nanoTime() + METER_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			Gauge found = gauge.get();
			if (found != null && found.value() == expected) {
				return expected;
			}
			Thread.sleep(50);
		}
		Gauge found = gauge.get();
		return (found != null) ? found.value() : Double.NaN;
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, UwsgiMetricsAutoConfiguration.class, UwsgiTomcatAutoConfiguration.class })
	static class MvcApplication {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}
