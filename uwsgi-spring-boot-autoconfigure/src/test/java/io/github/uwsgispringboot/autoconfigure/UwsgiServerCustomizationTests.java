package io.github.uwsgispringboot.autoconfigure;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiServerCustomizer;
import io.github.uwsgispringboot.server.UwsgiTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code server.compression.*} and {@link UwsgiServerCustomizer} beans on the uwsgi
 * listener.
 */
class UwsgiServerCustomizationTests {

	private static final String TEXT = "compress me ".repeat(400);

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UwsgiAutoConfiguration.class))
		.withUserConfiguration(TextConfiguration.class)
		.withPropertyValues("uwsgi.port=0");

	@Test
	void serverCompressionAppliesToUwsgiResponses() {
		this.contextRunner.withPropertyValues("server.compression.enabled=true").run((context) -> {
			String response = UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("gzip"), "");
			assertThat(response).containsIgnoringCase("content-encoding: gzip").doesNotContainIgnoringCase("chunked");
			byte[] body = UwsgiTestClient.body(response).getBytes(StandardCharsets.ISO_8859_1);
			try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(body))) {
				assertThat(new String(gzip.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(TEXT);
			}
		});
	}

	@Test
	void noCompressionByDefault() {
		this.contextRunner.run((context) -> {
			String response = UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("gzip"), "");
			assertThat(response).doesNotContainIgnoringCase("content-encoding").endsWith(TEXT);
		});
	}

	@Test
	void customizerBeansAreApplied() {
		this.contextRunner.withUserConfiguration(CountingCustomizerConfiguration.class).run((context) -> {
			UwsgiTestClient.exchange(context.getBean(UwsgiServer.class).tcpAddress(), get("identity"), "");
			assertThat(context.getBean(AtomicInteger.class)).hasValue(1);
		});
	}

	private static UwsgiVars get(String acceptEncoding) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/")
			.add("HTTP_ACCEPT_ENCODING", acceptEncoding)
			.build();
	}

	@Configuration(proxyBeanMethods = false)
	static class TextConfiguration {

		@Bean
		HttpHandler httpHandler() {
			return (request, response) -> {
				response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
				return response.writeWith(Mono.just(response.bufferFactory().wrap(TEXT.getBytes(StandardCharsets.UTF_8))));
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CountingCustomizerConfiguration {

		@Bean
		AtomicInteger connections() {
			return new AtomicInteger();
		}

		@Bean
		UwsgiServerCustomizer countingCustomizer(AtomicInteger connections) {
			return (server) -> server.doOnConnection((connection) -> connections.incrementAndGet());
		}

	}

}
