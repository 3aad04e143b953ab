package io.github.uwsgispringboot.server;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;
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
		assertThat(UwsgiAccessLog.format(exchange, TIME)).isEqualTo(
				"203.0.113.9 - - [24/Nov/2026:21:41:10 +0000] \"GET /orders?page=2 HTTP/2.0\" 200 5120 \"-\" \"curl/8.5.0\" 3 ms");
	}

	@Test
	void refusedPacketHasDashesForWhatWasNotRead() {
		UwsgiExchange exchange = new UwsgiExchange("unix", null, 431, 0, 0, Duration.ZERO);
		assertThat(UwsgiAccessLog.format(exchange, TIME))
			.isEqualTo("- - - [24/Nov/2026:21:41:10 +0000] \"-\" 431 0 \"-\" \"-\" 0 ms");
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

}
