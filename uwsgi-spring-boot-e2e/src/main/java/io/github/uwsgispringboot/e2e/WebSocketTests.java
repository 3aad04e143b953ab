package io.github.uwsgispringboot.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebSocket endpoint reached through nginx {@code uwsgi_pass} by a real WebSocket client: nginx
 * tunnels the connection after the application's {@code 101}. The demo applications serve
 * {@code /ws/echo}, which answers a text message {@code m} with {@code "echo: m"} and a binary
 * message with itself; the application's nginx configuration has a {@code /ws/} location.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class WebSocketTests {

	private Nginx nginx;

	/**
	 * Return the application's uwsgi TCP port.
	 * @return the port
	 */
	protected abstract int uwsgiPort();

	/**
	 * Return the application's uwsgi unix socket.
	 * @return the socket's path
	 */
	protected abstract Path uwsgiSocket();

	@BeforeAll
	void startNginx() throws Exception {
		this.nginx = Nginx.start(uwsgiSocket(), uwsgiPort());
	}

	@AfterAll
	void stopNginx() throws Exception {
		if (this.nginx != null) {
			this.nginx.close();
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void textBinaryPingAndAMegabyteGoBothWaysAndTheSocketClosesCleanly(Transport transport)
			throws Exception {
		URI uri = URI.create(this.nginx.uri(transport, "/ws/echo").toString().replace("http:", "ws:"));
		WebSocketRecorder recorder = new WebSocketRecorder();
		WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, recorder).get(10,
				TimeUnit.SECONDS);

		socket.sendText("hello", true).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("text:echo: hello");

		byte[] small = { 1, 2, 3, 4, 5 };
		socket.sendBinary(ByteBuffer.wrap(small), true).get(5, TimeUnit.SECONDS);
		assertThat(recorder.next()).isEqualTo("binary:" + Arrays.toString(small));

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
