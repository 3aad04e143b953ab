package io.github.uwsgispringboot.demo.mvc;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.Nginx;
import io.github.uwsgispringboot.e2e.Transport;
import io.github.uwsgispringboot.e2e.WebSocketRecorder;

import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring's standard WebSocket support on Tomcat ({@link EchoWebSocketHandler}, registered by a
 * {@code WebSocketConfigurer}) reached through nginx {@code uwsgi_pass} by a real WebSocket client:
 * the uwsgi connector takes the servlet upgrade and answers {@code 101}, nginx tunnels the
 * connection. The same checks as the WebFlux demo's {@code WebSocketEndToEndTests}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketEndToEndTests {

	private static final Path SOCKET_DIR = socketDir();

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

	@ParameterizedTest
	@EnumSource(Transport.class)
	void textBinaryPingAndAMegabyteGoBothWaysAndTheSocketClosesCleanly(Transport transport) throws Exception {
		URI uri = URI.create(this.nginx.uri(transport, "/ws/echo").toString().replace("http:", "ws:"));
		WebSocketRecorder recorder = new WebSocketRecorder();
		WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, recorder).get(10,
				TimeUnit.SECONDS);

		socket.sendText("hello", true).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("text:echo: hello");

		byte[] small = { 1, 2, 3, 4, 5 };
		socket.sendBinary(ByteBuffer.wrap(small), true).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("binary:" + java.util.Arrays.toString(small));

		socket.sendPing(ByteBuffer.wrap("are you there".getBytes())).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("pong:are you there");

		byte[] megabyte = new byte[1024 * 1024];
		new Random(7).nextBytes(megabyte);
		socket.sendBinary(ByteBuffer.wrap(megabyte), true).get(10, TimeUnit.SECONDS);
		assertThat(recorder.nextBinary()).isEqualTo(megabyte);

		socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("close:" + WebSocket.NORMAL_CLOSURE);
		assertThat(this.nginx.errorLog()).doesNotContain("upstream prematurely closed");
	}

}
