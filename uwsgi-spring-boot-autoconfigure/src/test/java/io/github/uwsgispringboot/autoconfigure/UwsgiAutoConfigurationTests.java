package io.github.uwsgispringboot.autoconfigure;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.unit.DataSize;

import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiServerOptions;
import io.github.uwsgispringboot.server.UwsgiTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link UwsgiAutoConfiguration}.
 */
class UwsgiAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UwsgiAutoConfiguration.class))
		.withUserConfiguration(HttpHandlerConfiguration.class)
		.withPropertyValues("uwsgi.port=0");

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@TempDir
	Path temp;

	@AfterEach
	void shutDownExecutor() {
		this.executor.shutdownNow();
	}

	@Test
	void servesTheHttpHandlerOverUwsgi() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(UwsgiServer.class).hasSingleBean(UwsgiServerLifecycle.class);
			String response = UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("/"), "");
			assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nhello");
		});
	}

	@Test
	void isRegisteredAsAnAutoConfiguration() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
			.contains(UwsgiAutoConfiguration.class.getName());
	}

	@Test
	void backsOffWhenDisabled() {
		this.contextRunner.withPropertyValues("uwsgi.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(UwsgiServer.class)
				.doesNotHaveBean(UwsgiServerLifecycle.class));
	}

	@Test
	void backsOffWhenNotAReactiveWebApplication() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(UwsgiAutoConfiguration.class))
			.withUserConfiguration(HttpHandlerConfiguration.class)
			.withPropertyValues("uwsgi.port=0")
			.run((context) -> assertThat(context).hasSingleBean(HttpHandler.class).doesNotHaveBean(UwsgiServer.class));
	}

	@Test
	void backsOffWithoutAnHttpHandler() {
		new ReactiveWebApplicationContextRunner().withConfiguration(AutoConfigurations.of(UwsgiAutoConfiguration.class))
			.withPropertyValues("uwsgi.port=0")
			.run((context) -> assertThat(context).doesNotHaveBean(UwsgiServer.class));
	}

	@Test
	void defaultsListenOnLoopbackPort3031() {
		new ReactiveWebApplicationContextRunner().withUserConfiguration(PropertiesConfiguration.class).run((context) -> {
			UwsgiServerOptions options = UwsgiAutoConfiguration.options(context.getBean(UwsgiProperties.class));
			assertThat(options).isEqualTo(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 3031, null, null,
					new UwsgiLimits(65535, 512, 100L * 1024 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(60)),
					Duration.ofSeconds(5), null, null, 10000, List.of(), false));
		});
	}

	@Test
	void bindsEveryProperty() {
		Path socket = this.temp.resolve("uwsgi.sock");
		this.contextRunner
			.withPropertyValues("uwsgi.address=127.0.0.1", "uwsgi.port=0", "uwsgi.max-vars-size=8KB",
					"uwsgi.max-vars=64", "uwsgi.max-body-size=1MB", "uwsgi.header-timeout=2s",
					"uwsgi.body-idle-timeout=3s", "uwsgi.linger-timeout=250ms", "uwsgi.unix-socket.path=" + socket,
					"uwsgi.unix-socket.permissions=660")
			.run((context) -> {
				UwsgiProperties properties = context.getBean(UwsgiProperties.class);
				assertThat(properties.getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
				assertThat(properties.getPort()).isZero();
				assertThat(properties.getMaxVarsSize()).isEqualTo(DataSize.ofKilobytes(8));
				assertThat(properties.getLingerTimeout()).isEqualTo(Duration.ofMillis(250));
				assertThat(properties.getUnixSocket().getPath()).isEqualTo(socket);
				assertThat(properties.getUnixSocket().getPermissions()).isEqualTo("660");
				assertThat(UwsgiAutoConfiguration.options(properties))
					.isEqualTo(new UwsgiServerOptions(InetAddress.getByName("127.0.0.1"), 0, socket,
							PosixFilePermissions.fromString("rw-rw----"),
							new UwsgiLimits(8192, 64, 1024 * 1024, Duration.ofSeconds(2), Duration.ofSeconds(3)),
							Duration.ofMillis(250), null, null, 10000, List.of(), false));
			});
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "660, rw-rw----", "0640, rw-r-----", "777, rwxrwxrwx", "0, ---------", "rw-rw-rw-, rw-rw-rw-",
			"' rw------- ', rw-------" })
	void socketFileGetsTheConfiguredPermissions(String permissions, String expected) {
		Path socket = this.temp.resolve("uwsgi.sock");
		this.contextRunner
			.withPropertyValues("uwsgi.port=-1", "uwsgi.unix-socket.path=" + socket,
					"uwsgi.unix-socket.permissions=" + permissions)
			.run((context) -> assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS))
				.isEqualTo(PosixFilePermissions.fromString(expected)));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "rwx", "999", "1777", "00660", "rw-rw-rw-x", "u+rw" })
	void invalidPermissionsFailStartupNamingTheProperty(String permissions) {
		this.contextRunner
			.withPropertyValues("uwsgi.port=-1", "uwsgi.unix-socket.path=" + this.temp.resolve("uwsgi.sock"),
					"uwsgi.unix-socket.permissions=" + permissions)
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("IllegalArgumentException: uwsgi.unix-socket.permissions must be"));
	}

	@Test
	void userDefinedUwsgiServerWins() {
		this.contextRunner.withUserConfiguration(UserServerConfiguration.class)
			.run((context) -> assertThat(context).getBean(UwsgiServer.class)
				.isSameAs(context.getBean(UserServerConfiguration.class).server));
	}

	@Test
	void startedServerPublishesItsBoundAddressAndLocalPort() {
		this.contextRunner.withUserConfiguration(StartedEventsConfiguration.class).run((context) -> {
			InetSocketAddress address = context.getBean(UwsgiServer.class).tcpAddress();
			assertThat(address.getPort()).isPositive();
			assertThat(context.getBean(StartedEventsConfiguration.class).events).singleElement().satisfies((event) -> {
				assertThat(event.getTcpAddress()).isEqualTo(address);
				assertThat(event.getUnixSocketPath()).isNull();
				assertThat(event.getServer()).isSameAs(context.getBean(UwsgiServer.class));
			});
			assertThat(context.getEnvironment().getProperty(UwsgiServerLifecycle.LOCAL_PORT_PROPERTY, Integer.class))
				.isEqualTo(address.getPort());
		});
	}

	@Test
	void portMinusOneListensOnTheUnixSocketOnly() {
		Path socket = this.temp.resolve("uwsgi.sock");
		this.contextRunner.withUserConfiguration(StartedEventsConfiguration.class)
			.withPropertyValues("uwsgi.port=-1", "uwsgi.unix-socket.path=" + socket)
			.run((context) -> {
				UwsgiServer server = context.getBean(UwsgiServer.class);
				assertThat(server.tcpAddress()).isNull();
				assertThat(server.unixSocketPath()).isEqualTo(socket.toAbsolutePath());
				assertThat(UwsgiTestClient.exchange(socket, get("/"), "")).endsWith("\r\n\r\nhello");
				assertThat(context.getBean(StartedEventsConfiguration.class).events).singleElement()
					.satisfies((event) -> {
						assertThat(event.getTcpAddress()).isNull();
						assertThat(event.getUnixSocketPath()).isEqualTo(socket.toAbsolutePath());
					});
				assertThat(context.getEnvironment().containsProperty(UwsgiServerLifecycle.LOCAL_PORT_PROPERTY))
					.isFalse();
			});
	}

	@Test
	void socketFileIsRemovedWhenTheContextCloses() {
		Path socket = this.temp.resolve("uwsgi.sock");
		this.contextRunner.withPropertyValues("uwsgi.port=-1", "uwsgi.unix-socket.path=" + socket)
			.run((context) -> assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isTrue());
		assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isFalse();
	}

	@Test
	void portMinusOneWithoutUnixSocketFailsStartupClearly() {
		this.contextRunner.withPropertyValues("uwsgi.port=-1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("uwsgi.port is -1 and uwsgi.unix-socket.path is not set"));
	}

	@Test
	void requestInFlightFinishesWhenTheContextClosesByDefault() {
		this.contextRunner.run((context) -> {
			InetSocketAddress address = context.getBean(UwsgiServer.class).tcpAddress();
			Gate gate = context.getBean(Gate.class);
			CompletableFuture<String> inFlight = exchangeInBackground(address, get("/slow"));
			assertThat(gate.arrived.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close, this.executor);
			await().atMost(Duration.ofSeconds(5)).until(() -> isRefused(address));
			assertThat(closed).isNotDone();
			gate.proceed.complete(null);
			assertThat(inFlight.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("slow");
			closed.get(10, TimeUnit.SECONDS);
		});
	}

	@Test
	void requestInFlightIsClosedWhenTheContextClosesWithImmediateShutdown() {
		this.contextRunner.withPropertyValues("server.shutdown=immediate").run((context) -> {
			InetSocketAddress address = context.getBean(UwsgiServer.class).tcpAddress();
			Gate gate = context.getBean(Gate.class);
			CompletableFuture<String> inFlight = exchangeInBackground(address, get("/slow"));
			assertThat(gate.arrived.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture.runAsync(context::close, this.executor).get(5, TimeUnit.SECONDS);
			assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEmpty();
		});
	}

	@Test
	void gracefulShutdownWaitsNoLongerThanTheShutdownPhaseTimeout() {
		this.contextRunner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=300ms").run((context) -> {
			InetSocketAddress address = context.getBean(UwsgiServer.class).tcpAddress();
			Gate gate = context.getBean(Gate.class);
			CompletableFuture<String> inFlight = exchangeInBackground(address, get("/slow"));
			assertThat(gate.arrived.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture.runAsync(context::close, this.executor).get(5, TimeUnit.SECONDS);
			assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEmpty();
		});
	}

	private CompletableFuture<String> exchangeInBackground(InetSocketAddress address, UwsgiVars vars) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				return UwsgiTestClient.exchange(address, vars, "");
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}, this.executor);
	}

	private static boolean isRefused(InetSocketAddress address) throws IOException {
		try (UwsgiTestClient client = UwsgiTestClient.connect(address)) {
			return false;
		}
		catch (ConnectException ex) {
			return true;
		}
	}

	private static UwsgiVars get(String uri) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", uri)
			.add("HTTP_HOST", "localhost")
			.build();
	}

	private static Mono<Void> write(ServerHttpResponse response, String text) {
		return response.writeWith(
				Mono.fromSupplier(() -> response.bufferFactory().wrap(text.getBytes(StandardCharsets.UTF_8))));
	}

	/**
	 * Lets a test hold a request in flight: {@code /slow} waits until the test proceeds.
	 */
	static final class Gate {

		final CountDownLatch arrived = new CountDownLatch(1);

		final CompletableFuture<Void> proceed = new CompletableFuture<>();

	}

	@Configuration(proxyBeanMethods = false)
	static class HttpHandlerConfiguration {

		@Bean
		Gate gate() {
			return new Gate();
		}

		@Bean
		HttpHandler httpHandler(Gate gate) {
			return (request, response) -> {
				if (request.getPath().value().equals("/slow")) {
					gate.arrived.countDown();
					return Mono.fromFuture(gate.proceed).then(write(response, "slow"));
				}
				return write(response, "hello");
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(UwsgiProperties.class)
	static class PropertiesConfiguration {

	}

	@Configuration(proxyBeanMethods = false)
	static class UserServerConfiguration {

		final UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null,
				null, 1024, Duration.ofSeconds(1)), (request, response) -> response.setComplete());

		@Bean
		UwsgiServer userUwsgiServer() {
			return this.server;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StartedEventsConfiguration {

		final List<UwsgiServerStartedEvent> events = new CopyOnWriteArrayList<>();

		@Bean
		ApplicationListener<UwsgiServerStartedEvent> startedEventsListener() {
			return this.events::add;
		}

	}

}
