package io.github.uwsgispringboot.autoconfigure;

import java.time.Duration;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.actuate.UwsgiServerHealthIndicator;
import io.github.uwsgispringboot.actuate.UwsgiServerMeters;
import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiAccessLog;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link UwsgiMetricsAutoConfiguration}, {@link UwsgiHealthContributorAutoConfiguration}
 * and the {@code uwsgi.access-log.*} properties.
 */
@ExtendWith(OutputCaptureExtension.class)
class UwsgiActuatorAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UwsgiAutoConfiguration.class, UwsgiMetricsAutoConfiguration.class,
				UwsgiHealthContributorAutoConfiguration.class))
		.withUserConfiguration(HttpHandlerConfiguration.class)
		.withPropertyValues("uwsgi.port=0");

	@Test
	void metersRecordUwsgiRequestsWhenThereIsAMeterRegistry() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			assertThat(context).hasSingleBean(UwsgiServerMeters.class);
			UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("/"), "");
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(
						registry.get(UwsgiServerMeters.REQUESTS).tags("transport", "tcp", "status", "200").timer().count())
					.isEqualTo(1));
		});
	}

	@Test
	void noMetersWithoutAMeterRegistry() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(UwsgiServer.class)
			.doesNotHaveBean(UwsgiServerMeters.class));
	}

	@Test
	void noMetersWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UwsgiServerMeters.class));
	}

	@Test
	void healthIndicatorIsUpWhileListening() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasBean("uwsgiHealthIndicator");
			assertThat(context.getBean(UwsgiServerHealthIndicator.class).health(true).getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthIndicatorCanBeTurnedOff() {
		this.contextRunner.withPropertyValues("management.health.uwsgi.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(UwsgiServerHealthIndicator.class));
	}

	@Test
	void noHealthIndicatorWithoutSpringBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UwsgiServerHealthIndicator.class));
	}

	@Test
	void accessLogIsOffByDefault(CapturedOutput output) {
		this.contextRunner.run((context) -> {
			UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("/quiet"), "");
			assertThat(output).doesNotContain("\"GET /quiet ");
		});
	}

	@Test
	void accessLogPropertyLogsEachRequest(CapturedOutput output) {
		this.contextRunner.withPropertyValues("uwsgi.access-log.enabled=true").run((context) -> {
			UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("/logged"), "");
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(output).contains("\"GET /logged HTTP/1.1\" 200 "));
		});
	}

	@Test
	void accessLogInJsonFormatWritesOneJsonObjectPerRequest(CapturedOutput output) {
		this.contextRunner.withPropertyValues("uwsgi.access-log.enabled=true", "uwsgi.access-log.format=json")
			.run((context) -> {
				UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("/json-logged"), "");
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(output).containsPattern("\\{\"@timestamp\":\"[0-9T:.-]+Z\","
							+ "\"client.address\":\"192.0.2.10\",\"http.request.method\":\"GET\","
							+ "\"url.original\":\"/json-logged\",\"http.version\":\"1.1\","
							+ "\"http.response.status_code\":200,\"http.response.body.bytes\":0,"
							+ "\"http.request.body.bytes\":0,\"event.duration\":[0-9]+,\"network.transport\":\"tcp\"}"));
			});
	}

	@Test
	void accessLogInStructuredFormatGivesTheFieldsToTheLogEvent() {
		Logger logger = (Logger) LoggerFactory.getLogger(UwsgiAccessLog.LOGGER_NAME);
		ListAppender<ILoggingEvent> events = new ListAppender<>();
		events.start();
		logger.addAppender(events);
		try {
			this.contextRunner
				.withPropertyValues("uwsgi.access-log.enabled=true", "uwsgi.access-log.format=structured")
				.run((context) -> {
					UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("/kv-logged"), "");
					await().atMost(Duration.ofSeconds(5)).until(() -> !events.list.isEmpty());
				});
		}
		finally {
			logger.detachAppender(events);
		}
		ILoggingEvent event = events.list.get(0);
		assertThat(event.getFormattedMessage()).contains("\"GET /kv-logged HTTP/1.1\" 200 0 ");
		assertThat(event.getKeyValuePairs()).extracting((pair) -> pair.key + "=" + pair.value)
			.contains("client.address=192.0.2.10", "url.original=/kv-logged", "http.response.status_code=200",
					"network.transport=tcp");
	}

	private static UwsgiVars get(String uri) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", uri)
			.add("SERVER_PROTOCOL", "HTTP/1.1")
			.add("REMOTE_ADDR", "192.0.2.10")
			.build();
	}

	@Configuration(proxyBeanMethods = false)
	static class HttpHandlerConfiguration {

		@Bean
		HttpHandler httpHandler() {
			return (request, response) -> response.setComplete();
		}

	}

}
