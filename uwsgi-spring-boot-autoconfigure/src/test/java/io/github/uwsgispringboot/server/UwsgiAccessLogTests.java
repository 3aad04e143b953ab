package io.github.uwsgispringboot.server;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;

import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;
import io.github.uwsgispringboot.protocol.UwsgiExchange;

/**
 * Tests for {@link UwsgiAccessLog}.
 */
@ExtendWith(OutputCaptureExtension.class)
class UwsgiAccessLogTests {

	private static final ZonedDateTime TIME = ZonedDateTime.of(2026, 11, 24, 21, 41, 10, 0, ZoneOffset.UTC);

	@TempDir
	Path temp;

	@Test
	void lineIsCombinedLogFormatWithTheProxysClientAndTheClientsProtocol() {
		UwsgiRequest request = UwsgiRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/orders?page=2")
			.add("SERVER_PROTOCOL", "HTTP/2.0")
			.add("REMOTE_ADDR", "203.0.113.9")
			.add("REMOTE_PORT", "50000")
			.add("HTTP_USER_AGENT", "curl/8.5.0")
			.build());
		UwsgiExchange exchange = new UwsgiExchange("tcp", request, 200, 0, 5120, Duration.ofMillis(3));
		assertThat(UwsgiAccessLog.combined(exchange, TIME, false)).isEqualTo(
				"203.0.113.9 - - [24/Nov/2026:21:41:10 +0000] \"GET /orders?page=2 HTTP/2.0\" 200 5120 \"-\" \"curl/8.5.0\" 3 ms");
	}

	@Test
	void responseCutShortIsMarkedInEveryFormat() {
		UwsgiRequest request = UwsgiRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/download")
			.add("SERVER_PROTOCOL", "HTTP/1.1")
			.add("REMOTE_ADDR", "203.0.113.9")
			.add("REMOTE_PORT", "50000")
			.build());
		UwsgiExchange exchange = new UwsgiExchange("unix", request, 200, 0, 262144, Duration.ofMillis(310));
		assertThat(UwsgiAccessLog.combined(exchange, TIME, true)).isEqualTo(
				"203.0.113.9 - - [24/Nov/2026:21:41:10 +0000] \"GET /download HTTP/1.1\" 200 262144 \"-\" \"-\" 310 ms cut");
		assertThat(UwsgiAccessLog.json(exchange, TIME.toInstant(), true))
			.endsWith(",\"network.transport\":\"unix\",\"event.outcome\":\"failure\"}");
		assertThat(UwsgiAccessLog.json(exchange, TIME.toInstant(), false)).doesNotContain("event.outcome");
		assertThat(UwsgiAccessLog.combined(exchange, TIME, false)).endsWith(" 310 ms");
	}

	@Test
	void refusedPacketHasDashesForWhatWasNotRead() {
		UwsgiExchange exchange = new UwsgiExchange("unix", null, 431, 0, 0, Duration.ZERO);
		assertThat(UwsgiAccessLog.combined(exchange, TIME, false))
			.isEqualTo("- - - [24/Nov/2026:21:41:10 +0000] \"-\" 431 0 \"-\" \"-\" 0 ms");
	}

	@Test
	void combinedLineEscapesQuotesBackslashesControlCharactersAndBytesBeyondAsciiAsNginxDoes() {
		// header values may hold a tab but no other control character; SERVER_PROTOCOL anything
		UwsgiRequest request = UwsgiRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/a\"b")
			.add("SERVER_PROTOCOL", "HTTP/1.1\n\u0000\u007f")
			.add("HTTP_USER_AGENT", "x\\y\t\u00e9")
			.add("HTTP_REFERER", "r\"\" 200 0")
			.build());
		UwsgiExchange exchange = new UwsgiExchange("unix", request, 200, 0, 0, Duration.ZERO);
		assertThat(UwsgiAccessLog.combined(exchange, TIME, false)).isEqualTo("- - - [24/Nov/2026:21:41:10 +0000] "
				+ "\"GET /a\\x22b HTTP/1.1\\x0a\\x00\\x7f\" 200 0 \"r\\x22\\x22 200 0\" \"x\\x5cy\\x09\\xe9\" 0 ms");
	}

	@Test
	void jsonLineHasTheTimeInUtcAndTheFieldsUnderTheirEcsNames() {
		UwsgiRequest request = UwsgiRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/orders?page=2")
			.add("SERVER_PROTOCOL", "HTTP/2.0")
			.add("REMOTE_ADDR", "203.0.113.9")
			.add("REMOTE_PORT", "50000")
			.add("HTTP_USER_AGENT", "curl/8.5.0")
			.add("HTTP_REFERER", "https://example.com/")
			.build());
		UwsgiExchange exchange = new UwsgiExchange("tcp", request, 200, 12, 5120, Duration.ofNanos(3_141_593));
		assertThat(UwsgiAccessLog.json(exchange, TIME.withZoneSameInstant(ZoneOffset.ofHours(2)).toInstant(), false))
			.isEqualTo("{\"@timestamp\":\"2026-11-24T21:41:10.000Z\",\"client.address\":\"203.0.113.9\","
					+ "\"http.request.method\":\"GET\",\"url.original\":\"/orders?page=2\",\"http.version\":\"2.0\","
					+ "\"http.response.status_code\":200,\"http.response.body.bytes\":5120,"
					+ "\"http.request.body.bytes\":12,\"event.duration\":3141593,\"network.transport\":\"tcp\","
					+ "\"user_agent.original\":\"curl/8.5.0\",\"http.request.referrer\":\"https://example.com/\"}");
	}

	@Test
	void jsonLineOfARefusedPacketHasOnlyWhatIsKnown() {
		UwsgiExchange exchange = new UwsgiExchange("unix", null, 431, 0, 0, Duration.ZERO);
		assertThat(UwsgiAccessLog.json(exchange, TIME.toInstant(), false))
			.isEqualTo("{\"@timestamp\":\"2026-11-24T21:41:10.000Z\",\"http.response.status_code\":431,"
					+ "\"http.response.body.bytes\":0,\"http.request.body.bytes\":0,\"event.duration\":0,"
					+ "\"network.transport\":\"unix\"}");
	}

	@Test
	void jsonLineEscapesEveryStringAndIsPrintableAscii() {
		// vars hold one char per byte: "\u00c3\u00a9" is the UTF-8 of U+00E9, "\u00f0\u009f\u0098\u0080" of U+1F600
		String userAgent = "q\"b\\s/\t \u00c3\u00a9 \u00f0\u009f\u0098\u0080";
		UwsgiRequest request = UwsgiRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/x?q=\"}")
			.add("SERVER_PROTOCOL", "HTTP/1.1\r\n\u0000\u0001\u001f\u007f")
			.add("HTTP_USER_AGENT", userAgent)
			.add("HTTP_REFERER", "latin1 \u00ff not UTF-8")
			.build());
		String line = UwsgiAccessLog.json(new UwsgiExchange("tcp", request, 200, 0, 0, Duration.ZERO), TIME.toInstant(), false);
		assertThat(line).containsPattern("^[\\x20-\\x7e]+$")
			.contains("\"http.version\":\"1.1\\r\\n\\u0000\\u0001\\u001f\\u007f\"")
			.contains("\"user_agent.original\":\"q\\\"b\\\\s/\\t \\u00e9 \\ud83d\\ude00\"")
			.contains("\"http.request.referrer\":\"latin1 \\u00ff not UTF-8\"");
		Map<String, Object> parsed = readMap(line);
		assertThat(parsed).containsEntry("http.version", "1.1\r\n\u0000\u0001\u001f\u007f")
			.containsEntry("user_agent.original", "q\"b\\s/\t \u00e9 \ud83d\ude00")
			.containsEntry("url.original", "/x?q=\"}")
			.containsEntry("http.request.referrer", "latin1 \u00ff not UTF-8");
	}

	@Test
	void structuredEventCarriesTheFieldsAsKeyValuePairsAndTheCombinedLineAsMessage() {
		ILoggingEvent event = logOne(UwsgiAccessLog.Format.STRUCTURED, orderRequest());
		assertThat(event.getFormattedMessage()).startsWith("203.0.113.9 - - [")
			.endsWith("] \"GET /orders?page=2 HTTP/2.0\" 200 5120 \"-\" \"curl/8.5.0\" 3 ms");
		Map<String, Object> pairs = new LinkedHashMap<>();
		event.getKeyValuePairs().forEach((pair) -> pairs.put(pair.key, pair.value));
		assertThat(pairs).containsExactly(entry("client.address", "203.0.113.9"), entry("http.request.method", "GET"),
				entry("url.original", "/orders?page=2"), entry("http.version", "2.0"),
				entry("http.response.status_code", 200), entry("http.response.body.bytes", 5120L),
				entry("http.request.body.bytes", 0L), entry("event.duration", 3_000_000L),
				entry("network.transport", "tcp"), entry("user_agent.original", "curl/8.5.0"));
	}

	@Test
	void structuredFieldsArriveNestedInSpringBootsEcsFormat() {
		ILoggingEvent event = logOne(UwsgiAccessLog.Format.STRUCTURED, orderRequest());
		Map<String, Object> ecs = readMap(encode("ecs", event));
		assertThat(ecs).containsEntry("client", Map.of("address", "203.0.113.9"))
			.containsEntry("url", Map.of("original", "/orders?page=2"))
			.containsEntry("http",
					Map.of("request", Map.of("method", "GET", "body", Map.of("bytes", 0)), "version", "2.0", "response",
							Map.of("status_code", 200, "body", Map.of("bytes", 5120))))
			.containsEntry("event", Map.of("duration", 3_000_000))
			.containsEntry("network", Map.of("transport", "tcp"))
			.containsEntry("user_agent", Map.of("original", "curl/8.5.0"));
		assertThat((String) ecs.get("message")).contains("\"GET /orders?page=2 HTTP/2.0\" 200 5120");
	}

	@Test
	void structuredFieldsArriveAsTopLevelFieldsInSpringBootsLogstashFormat() {
		ILoggingEvent event = logOne(UwsgiAccessLog.Format.STRUCTURED, orderRequest());
		Map<String, Object> logstash = readMap(encode("logstash", event));
		assertThat(logstash).containsEntry("http.request.method", "GET")
			.containsEntry("http.response.status_code", 200)
			.containsEntry("network.transport", "tcp");
	}

	@Test
	void jsonEventHasTheJsonLineAsMessageAndNoPairs() {
		ILoggingEvent event = logOne(UwsgiAccessLog.Format.JSON, orderRequest());
		assertThat(event.getFormattedMessage()).startsWith("{\"@timestamp\":\"")
			.endsWith(",\"user_agent.original\":\"curl/8.5.0\"}");
		assertThat(event.getKeyValuePairs()).isNullOrEmpty();
	}

	@Test
	void serverWithTheAccessLogWritesOneLinePerRequest(CapturedOutput output) throws Exception {
		UwsgiServer server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0,
				this.temp.resolve("uwsgi.sock"), null, 65535, Duration.ofSeconds(1)),
				() -> (request, response) -> response.setComplete(), List.of(new UwsgiAccessLog()));
		server.start();
		try {
			UwsgiVars vars = UwsgiVars.builder()
				.add("REQUEST_METHOD", "DELETE")
				.add("REQUEST_URI", "/items/7")
				.add("SERVER_PROTOCOL", "HTTP/1.1")
				.add("REMOTE_ADDR", "198.51.100.4")
				.build();
			UwsgiTestClient.exchange(server.unixSocketPath(), vars, "");
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(output).contains("198.51.100.4 - - [")
					.contains("] \"DELETE /items/7 HTTP/1.1\" 200 0 \"-\" \"-\" "));
		}
		finally {
			server.stop();
		}
	}

	private static UwsgiRequest orderRequest() {
		return UwsgiRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/orders?page=2")
			.add("SERVER_PROTOCOL", "HTTP/2.0")
			.add("REMOTE_ADDR", "203.0.113.9")
			.add("HTTP_USER_AGENT", "curl/8.5.0")
			.build());
	}

	/**
	 * Log one exchange of the request in the given format and return the event Logback got.
	 */
	private static ILoggingEvent logOne(UwsgiAccessLog.Format format, UwsgiRequest request) {
		Logger logger = (Logger) LoggerFactory.getLogger(UwsgiAccessLog.LOGGER_NAME);
		ListAppender<ILoggingEvent> events = new ListAppender<>();
		events.start();
		logger.addAppender(events);
		try {
			new UwsgiAccessLog(format)
				.exchangeCompleted(new UwsgiExchange("tcp", request, 200, 0, 5120, Duration.ofMillis(3)));
		}
		finally {
			logger.detachAppender(events);
		}
		assertThat(events.list).hasSize(1);
		return events.list.get(0);
	}

	/**
	 * Encode an event as Spring Boot's structured logging does for
	 * {@code logging.structured.format.console=<format>}.
	 */
	private static String encode(String format, ILoggingEvent event) {
		LoggerContext context = new LoggerContext();
		context.putObject(Environment.class.getName(), new StandardEnvironment());
		StructuredLogEncoder encoder = new StructuredLogEncoder();
		encoder.setContext(context);
		encoder.setFormat(format);
		encoder.start();
		try {
			return new String(encoder.encode(event), StandardCharsets.UTF_8);
		}
		finally {
			encoder.stop();
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> readMap(String json) {
		return new JsonMapper().readValue(json, Map.class);
	}

}
