package io.github.uwsgispringboot.autoconfigure;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.uwsgispringboot.actuate.UwsgiServerHealthIndicator;
import io.github.uwsgispringboot.actuate.UwsgiServerMeters;
import io.github.uwsgispringboot.protocol.UwsgiServerException;
import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiTestClient;
import io.github.uwsgispringboot.web.UwsgiVar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link UwsgiTomcatAutoConfiguration}: a Spring MVC application on Tomcat served over
 * uwsgi, through real Tomcat connectors and a raw uwsgi client.
 */
@ExtendWith(OutputCaptureExtension.class)
class UwsgiTomcatAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UwsgiTomcatAutoConfiguration.class))
		.withPropertyValues("uwsgi.port=0");

	@TempDir
	Path temp;

	@Test
	void servletApplicationGetsTheTomcatConnectors() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(UwsgiTomcatConnectors.class));
	}

	@Test
	void mockWebEnvironmentStartsWithoutAListener() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(UwsgiTomcatConnectors.class).isListening()).isFalse();
		});
	}

	@Test
	void reactiveApplicationDoesNotGetTheTomcatConnectors() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(UwsgiTomcatAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(UwsgiTomcatConnectors.class));
	}

	@Test
	void shouldNotStartWhenDisabled() {
		this.contextRunner.withPropertyValues("uwsgi.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(UwsgiTomcatConnectors.class));
	}

	@Test
	void nowhereToListenFailsStartupWithClearMessage() {
		this.contextRunner.withPropertyValues("uwsgi.port=-1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("uwsgi.port is -1 and uwsgi.unix-socket.path is not set"));
	}

	@Test
	void unprotectedNonLoopbackBindFailsStartupWithClearMessage() {
		this.contextRunner.withPropertyValues("uwsgi.address=0.0.0.0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(UwsgiServerException.class)
				.hasMessageContaining("uwsgi.allowed-clients"));
	}

	@Test
	void servesTheMvcApplicationOverUwsgiBesideHttp() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=0", "uwsgi.port=0")) {
			String response = UwsgiTestClient.exchange(uwsgiAddress(context), get("/hello"), "");
			assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nhello over uwsgi");
			assertThat(response).doesNotContainIgnoringCase("transfer-encoding");
			assertThat(httpPortAnswers(context)).isTrue();
		}
	}

	@Test
	void uwsgiOnlyWithServerPortMinusOne() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0")) {
			String response = UwsgiTestClient.exchange(uwsgiAddress(context), get("/hello"), "");
			assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("hello over uwsgi");
			assertThat(context.getEnvironment().getProperty("local.server.port", Integer.class)).isNotPositive();
		}
	}

	@Test
	void servesOverAUnixSocketWithItsPermissionsAndRemovesItOnStop() throws Exception {
		Path socket = this.temp.resolve("app.sock");
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=-1",
				"uwsgi.unix-socket.path=" + socket, "uwsgi.unix-socket.permissions=660")) {
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
			assertThat(UwsgiTestClient.exchange(socket, get("/hello"), "")).endsWith("hello over uwsgi");
			assertThat(context.getBean(UwsgiTomcatConnectors.class).unixSocketPath()).isEqualTo(socket);
		}
		assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isFalse();
	}

	@Test
	void staleSocketFileIsReplaced() throws Exception {
		Path socket = this.temp.resolve("stale.sock");
		// what a crashed listener leaves behind: a socket file nobody accepts on
		java.nio.channels.ServerSocketChannel dead = java.nio.channels.ServerSocketChannel
			.open(java.net.StandardProtocolFamily.UNIX);
		dead.bind(java.net.UnixDomainSocketAddress.of(socket));
		dead.close();
		assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isTrue();
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=-1",
				"uwsgi.unix-socket.path=" + socket)) {
			assertThat(UwsgiTestClient.exchange(socket, get("/hello"), "")).endsWith("hello over uwsgi");
		}
	}

	@Test
	void portInUseFailsStartupWithClearMessage() throws Exception {
		try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			assertThatException().isThrownBy(() -> start("server.port=-1", "uwsgi.port=" + taken.getLocalPort()))
				.havingCause()
				.isInstanceOf(UwsgiServerException.class)
				.withMessageContaining("could not listen on 127.0.0.1:" + taken.getLocalPort())
				.withMessageContaining("Address already in use");
		}
	}

	@Test
	void publishesTheStartedEventAndTheLocalPort() throws Exception {
		List<UwsgiServerStartedEvent> events = new CopyOnWriteArrayList<>();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(MvcApplication.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=-1", "uwsgi.port=0")
			.listeners((ApplicationListener<UwsgiServerStartedEvent>) events::add)
			.run()) {
			assertThat(events).hasSize(1);
			assertThat(events.get(0).getTcpAddress().getPort())
				.isEqualTo(context.getEnvironment().getProperty("local.uwsgi.port", Integer.class))
				.isPositive();
			assertThat(events.get(0).getServer()).isSameAs(context.getBean(UwsgiTomcatConnectors.class));
		}
	}

	@Test
	void springBootsTomcatThreadAndQueueSettingsApplyToTheUwsgiConnectors() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"server.tomcat.threads.max=7", "server.tomcat.accept-count=33")) {
			org.apache.coyote.AbstractProtocol<?> protocol = uwsgiProtocol(context);
			assertThat(protocol.getMaxThreads()).isEqualTo(7);
			assertThat(protocol.getAcceptCount()).isEqualTo(33);
		}
	}

	@Test
	void uwsgiBacklogWinsOverTomcatsAcceptCount() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"server.tomcat.accept-count=33", "uwsgi.backlog=77")) {
			assertThat(uwsgiProtocol(context).getAcceptCount()).isEqualTo(77);
		}
	}

	@Test
	void backlogIsTheNettyServersWithoutEitherProperty() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0")) {
			assertThat(uwsgiProtocol(context).getAcceptCount()).isEqualTo(1024);
		}
	}

	@Test
	void backlogMustBePositive() {
		assertThatException().isThrownBy(() -> start("server.port=-1", "uwsgi.port=0", "uwsgi.backlog=0"))
			.havingRootCause()
			.withMessage("uwsgi.backlog=0 must be positive");
	}

	@Test
	void connectorCustomizersApplyToTheUwsgiConnectorsOnly() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(MvcApplication.class,
				CustomizerConfiguration.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "uwsgi.port=0")
			.run()) {
			assertThat(uwsgiProtocol(context).getMaxThreads()).isEqualTo(3);
			org.springframework.boot.tomcat.TomcatWebServer server = (org.springframework.boot.tomcat.TomcatWebServer) ((org.springframework.boot.web.server.context.WebServerApplicationContext) context)
				.getWebServer();
			assertThat(((org.apache.coyote.AbstractProtocol<?>) server.getTomcat().getConnector().getProtocolHandler())
				.getMaxThreads()).isNotEqualTo(3);
		}
	}

	@Test
	void healthIndicatorAndAccessLogCoverTheTomcatConnectors(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"uwsgi.access-log.enabled=true")) {
			UwsgiTestClient.exchange(uwsgiAddress(context),
					UwsgiVars.builder()
						.add("REQUEST_METHOD", "GET")
						.add("REQUEST_URI", "/hello")
						.add("REMOTE_ADDR", "203.0.113.9")
						.add("SERVER_PROTOCOL", "HTTP/2.0")
						.build(),
					"");
			assertThat(output).contains("203.0.113.9 - - [").contains("\"GET /hello HTTP/2.0\" 200 16");
			UwsgiServerHealthIndicator health = new UwsgiServerHealthIndicator(
					context.getBean(UwsgiTomcatConnectors.class));
			assertThat(health.health(true).getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
			assertThat(health.health(true).getDetails()).containsKey("tcp");
		}
	}

	@Test
	void accessLogInJsonFormatCoversTheTomcatConnectors(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"uwsgi.access-log.enabled=true", "uwsgi.access-log.format=json")) {
			UwsgiTestClient.exchange(uwsgiAddress(context), get("/hello"), "");
			assertThat(output).containsPattern("\\{\"@timestamp\":\"[0-9T:.-]+Z\",\"http.request.method\":\"GET\","
					+ "\"url.original\":\"/hello\",\"http.response.status_code\":200,\"http.response.body.bytes\":16,"
					+ "\"http.request.body.bytes\":0,\"event.duration\":[0-9]+,\"network.transport\":\"tcp\"}");
		}
	}

	@Test
	void accessLogInStructuredFormatArrivesAsFieldsOfSpringBootsStructuredLog() throws Exception {
		// a file, not the console: the structured console would stay for later tests in this JVM
		Path log = this.temp.resolve("app.log");
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"uwsgi.access-log.enabled=true", "uwsgi.access-log.format=structured",
				"logging.file.name=" + log, "logging.structured.format.file=ecs")) {
			UwsgiTestClient.exchange(uwsgiAddress(context),
					UwsgiVars.builder()
						.add("REQUEST_METHOD", "GET")
						.add("REQUEST_URI", "/hello")
						.add("REMOTE_ADDR", "203.0.113.9")
						.add("SERVER_PROTOCOL", "HTTP/1.1")
						.build(),
					"");
			String line = Files.readAllLines(log)
				.stream()
				.filter((candidate) -> candidate.contains("\"logger\":\"uwsgi.access\""))
				.findFirst()
				.orElseThrow();
			assertThat(line).contains("\"client\":{\"address\":\"203.0.113.9\"}")
				.contains("\"url\":{\"original\":\"/hello\"}")
				.contains("\"response\":{\"status_code\":200,\"body\":{\"bytes\":16}}")
				.contains("\"network\":{\"transport\":\"tcp\"}")
				.contains("\"message\":\"203.0.113.9 - - [");
		}
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21")
	void virtualThreadsServeTheUwsgiConnectorsWhenEnabled() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"spring.threads.virtual.enabled=true")) {
			assertThat(uwsgiProtocol(context).getExecutor())
				.isInstanceOf(org.apache.tomcat.util.threads.VirtualThreadExecutor.class);
			assertThat(UwsgiTestClient.exchange(uwsgiAddress(context), get("/thread"), "")).endsWith("virtual=true");
		}
	}

	@Test
	void controllersTakeUwsgiVars() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0")) {
			UwsgiVars vars = UwsgiVars.builder()
				.add("REQUEST_METHOD", "GET")
				.add("REQUEST_URI", "/tenant")
				.add("TENANT", "acme")
				.build();
			assertThat(UwsgiTestClient.exchange(uwsgiAddress(context), vars, "")).endsWith("tenant acme, 3 vars");
		}
	}

	@Test
	void mountPrefixComesBeforeTheServletContextPath() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"server.servlet.context-path=/api")) {
			UwsgiVars vars = UwsgiVars.builder()
				.add("REQUEST_METHOD", "GET")
				.add("REQUEST_URI", "/shop/api/where?x=1")
				.add("SCRIPT_NAME", "/shop")
				.add("HTTP_HOST", "example.com")
				.add("HTTPS", "on")
				.build();
			assertThat(UwsgiTestClient.exchange(uwsgiAddress(context), vars, ""))
				.endsWith("context=/shop/api uri=/shop/api/where url=https://example.com/shop/api/where secure=true");
		}
	}

	@Test
	void sessionCookiePathCarriesTheMountPrefix() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"server.servlet.context-path=/api")) {
			UwsgiVars mounted = UwsgiVars.builder()
				.add("REQUEST_METHOD", "GET")
				.add("REQUEST_URI", "/shop/api/session")
				.add("SCRIPT_NAME", "/shop")
				.build();
			assertThat(UwsgiTestClient.exchange(uwsgiAddress(context), mounted, ""))
				.containsPattern("\r\nSet-Cookie: JSESSIONID=[0-9A-F]+; Path=/shop/api; HttpOnly\r\n");
			UwsgiVars unmounted = UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/api/session").build();
			assertThat(UwsgiTestClient.exchange(uwsgiAddress(context), unmounted, ""))
				.containsPattern("\r\nSet-Cookie: JSESSIONID=[0-9A-F]+; Path=/api; HttpOnly\r\n");
		}
	}

	@Test
	void redirectsArePathsTheClientResolvesAgainstItsOwnUrl() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0")) {
			// Debian's uwsgi_params send $host, without the port of a proxy listening on 8088
			UwsgiVars vars = UwsgiVars.builder()
				.add("REQUEST_METHOD", "GET")
				.add("REQUEST_URI", "/shop/go")
				.add("SCRIPT_NAME", "/shop")
				.add("HTTP_HOST", "example.com")
				.add("SERVER_PORT", "8088")
				.build();
			assertThat(UwsgiTestClient.exchange(uwsgiAddress(context), vars, "")).startsWith("HTTP/1.1 302 ")
				.contains("\r\nLocation: /shop/hello\r\n");
		}
	}

	@Test
	void absoluteRedirectsWhenTheApplicationAsksForThem() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0",
				"server.tomcat.use-relative-redirects=false")) {
			UwsgiVars vars = UwsgiVars.builder()
				.add("REQUEST_METHOD", "GET")
				.add("REQUEST_URI", "/go")
				.add("HTTP_HOST", "example.com")
				.build();
			assertThat(UwsgiTestClient.exchange(uwsgiAddress(context), vars, ""))
				.contains("\r\nLocation: http://example.com/hello\r\n");
		}
	}

	@Test
	void requestsAndRefusalsAreMetered() throws Exception {
		try (ConfigurableApplicationContext context = start("server.port=-1", "uwsgi.port=0")) {
			UwsgiTestClient.exchange(uwsgiAddress(context), get("/hello"), "");
			try (UwsgiTestClient client = UwsgiTestClient.connect(uwsgiAddress(context))) {
				client.send(new byte[] { 7, 0, 0, 0 }); // modifier1 7: not served
				client.readResponse();
			}
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get(UwsgiServerMeters.REQUESTS).tag("transport", "tcp").tag("status", "200").timer().count())
				.isEqualTo(1);
			assertThat(registry.get(UwsgiServerMeters.PACKETS_REJECTED).tag("reason", "UNSUPPORTED_MODIFIER")
				.counter().count()).isEqualTo(1);
		}
	}

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(MvcApplication.class).web(WebApplicationType.SERVLET)
			.properties(properties)
			.run();
	}

	private static org.apache.coyote.AbstractProtocol<?> uwsgiProtocol(ConfigurableApplicationContext context) {
		org.springframework.boot.tomcat.TomcatWebServer server = (org.springframework.boot.tomcat.TomcatWebServer) ((org.springframework.boot.web.server.context.WebServerApplicationContext) context)
			.getWebServer();
		for (org.apache.catalina.connector.Connector connector : server.getTomcat().getService().findConnectors()) {
			if (connector.getProtocolHandler() instanceof io.github.uwsgispringboot.tomcat.UwsgiNioProtocol protocol) {
				return protocol;
			}
		}
		throw new AssertionError("no uwsgi connector");
	}

	private static InetSocketAddress uwsgiAddress(ConfigurableApplicationContext context) {
		return context.getBean(UwsgiTomcatConnectors.class).tcpAddress();
	}

	private static boolean httpPortAnswers(ConfigurableApplicationContext context) throws IOException {
		Integer port = context.getEnvironment().getProperty("local.server.port", Integer.class);
		try (Socket socket = new Socket("127.0.0.1", port)) {
			return socket.isConnected();
		}
		catch (ConnectException ex) {
			return false;
		}
	}

	private static UwsgiVars get(String uri) {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", uri).build();
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, UwsgiMetricsAutoConfiguration.class, UwsgiTomcatAutoConfiguration.class,
			UwsgiWebMvcAutoConfiguration.class })
	static class MvcApplication {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		MvcController mvcController() {
			return new MvcController();
		}

	}

	static class CustomizerConfiguration {

		@Bean
		UwsgiTomcatConnectorCustomizer threeThreads() {
			return (connector) -> connector.setProperty("maxThreads", "3");
		}

	}

	@RestController
	static class MvcController {

		@GetMapping("/hello")
		String hello() {
			return "hello over uwsgi";
		}

		@GetMapping("/tenant")
		String tenant(@UwsgiVar("TENANT") String tenant, UwsgiVars vars) {
			return "tenant " + tenant + ", " + vars.size() + " vars";
		}

		@GetMapping("/session")
		String session(HttpServletRequest request) {
			return request.getSession(true).getId();
		}

		@GetMapping("/go")
		void go(jakarta.servlet.http.HttpServletRequest request, jakarta.servlet.http.HttpServletResponse response)
				throws IOException {
			response.sendRedirect(request.getContextPath() + "/hello");
		}

		@GetMapping("/thread")
		String thread() throws ReflectiveOperationException {
			// Thread.isVirtual() is Java 21's; this module compiles for 17
			return "virtual=" + Thread.class.getMethod("isVirtual").invoke(Thread.currentThread());
		}

		@GetMapping("/where")
		String where(HttpServletRequest request) {
			return "context=" + request.getContextPath() + " uri=" + request.getRequestURI() + " url="
					+ request.getRequestURL() + " secure=" + request.isSecure();
		}

	}

}
