package io.github.uwsgispringboot.tomcat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import jakarta.websocket.OnMessage;
import jakarta.websocket.server.ServerEndpoint;
import org.apache.tomcat.websocket.server.WsSci;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.github.uwsgispringboot.tomcat.UwsgiPackets.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Jakarta WebSocket endpoint behind the connector, spoken to as nginx tunnels it: the upgrade
 * request as a uwsgi packet, then WebSocket frames on the same connection after the {@code 101}.
 */
class UwsgiWebSocketTests {

	/** The key of RFC 6455's example handshake, and the accept value it must produce. */
	private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

	private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

	private static UwsgiTomcat server;

	@BeforeAll
	static void start() throws Exception {
		server = new UwsgiTomcat((connector) -> {
		});
		server.context.addServletContainerInitializer(new WsSci(), Set.of(EchoEndpoint.class));
		server.start();
	}

	@AfterAll
	static void stop() throws Exception {
		server.close();
	}

	@Test
	void webSocketUpgradeIsAnswered101AndTheConnectionCarriesFrames() throws Exception {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(upgradeRequest("/echo"));
			InputStream in = socket.getInputStream();
			String head = readHead(in);
			assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
				.containsIgnoringCase("upgrade: websocket\r\n")
				.containsIgnoringCase("connection: upgrade\r\n")
				.contains("Sec-WebSocket-Accept: " + ACCEPT + "\r\n")
				.doesNotContain("Content-Length", "Transfer-Encoding");
			socket.getOutputStream().write(maskedFrame(0x1, "hello over uwsgi")); // text frame
			assertThat(readFrame(in)).isEqualTo(new Frame(0x1, "echo: hello over uwsgi"));
			socket.getOutputStream().write(maskedFrame(0x8, "")); // close frame
			assertThat(readFrame(in).opcode()).isEqualTo(0x8);
			assertThat(in.read()).isEqualTo(-1);
		}
		UwsgiConnectionTests.await(() -> server.listener.closed.get() == server.listener.opened.get());
		assertThat(server.listener.rejected).isEmpty();
	}

	@Test
	void upgradeRequestFromAProxyThatCannotTunnelIsNotUpgraded() throws Exception {
		try (RawClient client = server.client()) {
			// Apache's mod_proxy_uwsgi, recognised by its SCRIPT_FILENAME, would hang after a 101
			RawClient.Reply reply = client.send(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/echo",
					"HTTP_HOST", "localhost", "HTTP_UPGRADE", "websocket", "HTTP_CONNECTION", "Upgrade",
					"HTTP_SEC_WEBSOCKET_KEY", KEY, "HTTP_SEC_WEBSOCKET_VERSION", "13", "SCRIPT_FILENAME",
					"proxy:uwsgi://localhost:3031/echo"))
				.readToEnd();
			assertThat(reply.statusLine()).doesNotContain("101");
		}
	}

	private static byte[] upgradeRequest(String path) {
		return request("REQUEST_METHOD", "GET", "REQUEST_URI", path, "PATH_INFO", path, "HTTP_HOST", "localhost",
				"HTTP_UPGRADE", "websocket", "HTTP_CONNECTION", "Upgrade", "HTTP_SEC_WEBSOCKET_KEY", KEY,
				"HTTP_SEC_WEBSOCKET_VERSION", "13", "REMOTE_ADDR", "198.51.100.1", "REMOTE_PORT", "4000");
	}

	private static String readHead(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
			int b = in.read();
			assertThat(b).as("byte of the response head").isNotEqualTo(-1);
			head.write(b);
		}
		return head.toString(StandardCharsets.ISO_8859_1);
	}

	/** A client frame: final, masked as RFC 6455 requires of clients, payload under 126 bytes. */
	private static byte[] maskedFrame(int opcode, String text) {
		byte[] payload = text.getBytes(StandardCharsets.UTF_8);
		byte[] mask = { 0x12, 0x34, 0x56, 0x78 };
		byte[] frame = new byte[2 + mask.length + payload.length];
		frame[0] = (byte) (0x80 | opcode); // FIN and the opcode
		frame[1] = (byte) (0x80 | payload.length); // MASK and the payload length
		System.arraycopy(mask, 0, frame, 2, mask.length);
		for (int i = 0; i < payload.length; i++) {
			frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
		}
		return frame;
	}

	/** A server frame: unmasked, payload under 126 bytes. */
	private static Frame readFrame(InputStream in) throws IOException {
		DataInputStream data = new DataInputStream(in);
		int first = data.readUnsignedByte();
		int length = data.readUnsignedByte() & 0x7F;
		byte[] payload = new byte[length];
		data.readFully(payload);
		return new Frame(first & 0x0F, new String(payload, StandardCharsets.UTF_8));
	}

	record Frame(int opcode, String text) {
	}

	/** Echoes each text message. */
	@ServerEndpoint("/echo")
	public static class EchoEndpoint {

		@OnMessage
		public String echo(String message) {
			return "echo: " + message;
		}

	}

}
