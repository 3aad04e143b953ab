package io.github.uwsgispringboot.demo.mvc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the MVC demo's responses are framed on the uwsgi connection itself, read from the TCP port
 * without a proxy in between: a status line and headers, then a body delimited by its
 * Content-Length or by the close of the connection, never chunked (none of the proxies decodes
 * chunks); HEAD has the headers of GET and no body.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
class ResponseFramingTests {

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> socketDir().resolve("uwsgi.sock").toString());
	}

	@Test
	void streamingResponseBodyIsDelimitedByTheCloseNeverChunked() throws IOException {
		Response response = exchange("GET", "/download/stream");
		assertThat(response.head()).startsWith("HTTP/1.1 200 ")
			.doesNotContainIgnoringCase("Content-Length:")
			.doesNotContainIgnoringCase("Transfer-Encoding:");
		assertThat(response.body()).hasSize(DemoContent.DOWNLOAD_SIZE);
		assertThat(Arrays.equals(response.body(), DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE))).isTrue();
	}

	@Test
	void sseEmitterEventsAreDelimitedByTheCloseNeverChunked() throws IOException {
		Response response = exchange("GET", "/events?count=2&intervalMillis=50");
		assertThat(response.head()).startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("Transfer-Encoding:");
		assertThat(new String(response.body(), StandardCharsets.UTF_8)).startsWith("id:0\ndata:event 0 ")
			.contains("\n\nid:1\ndata:event 1 ");
	}

	@Test
	void knownLengthBodyCarriesItsContentLength() throws IOException {
		Response response = exchange("GET", "/download/bytes");
		assertThat(response.head()).containsIgnoringCase("Content-Length: " + DemoContent.DOWNLOAD_SIZE + "\r\n");
		assertThat(response.body()).hasSize(DemoContent.DOWNLOAD_SIZE);
	}

	@Test
	void headHasTheHeadersOfGetAndNoBody() throws IOException {
		Response response = exchange("HEAD", "/download/bytes");
		assertThat(response.head()).startsWith("HTTP/1.1 200 ")
			.containsIgnoringCase("Content-Length: " + DemoContent.DOWNLOAD_SIZE + "\r\n");
		assertThat(response.body()).isEmpty();
	}

	@Test
	void headOfAStreamHasNoBody() throws IOException {
		Response response = exchange("HEAD", "/download/stream");
		assertThat(response.head()).startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("Transfer-Encoding:");
		assertThat(response.body()).isEmpty();
	}

	/**
	 * Send one uwsgi request as nginx would, without a body, and read the response to the end of
	 * the connection.
	 */
	private Response exchange(String method, String uri) throws IOException {
		int query = uri.indexOf('?');
		Map<String, String> vars = new LinkedHashMap<>();
		vars.put("REQUEST_METHOD", method);
		vars.put("REQUEST_URI", uri);
		vars.put("PATH_INFO", (query >= 0) ? uri.substring(0, query) : uri);
		vars.put("QUERY_STRING", (query >= 0) ? uri.substring(query + 1) : "");
		vars.put("SERVER_PROTOCOL", "HTTP/1.1");
		vars.put("REQUEST_SCHEME", "http");
		vars.put("REMOTE_ADDR", "127.0.0.1");
		vars.put("REMOTE_PORT", "40000");
		vars.put("SERVER_NAME", "localhost");
		vars.put("SERVER_PORT", "80");
		vars.put("HTTP_HOST", "localhost");
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.uwsgiPort), 10_000);
			socket.setSoTimeout(30_000);
			socket.getOutputStream().write(packet(vars));
			byte[] response = socket.getInputStream().readAllBytes();
			int end = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
			assertThat(end).as("the end of the response head").isNotNegative();
			return new Response(new String(response, 0, end + 2, StandardCharsets.ISO_8859_1),
					Arrays.copyOfRange(response, end + 4, response.length));
		}
	}

	/**
	 * A uwsgi packet: modifier1 0, the size of the vars (16 bits, little-endian), modifier2 0, then
	 * each var as a 16-bit little-endian length and the bytes of its name, the same for its value.
	 */
	private static byte[] packet(Map<String, String> vars) {
		ByteArrayOutputStream block = new ByteArrayOutputStream();
		vars.forEach((name, value) -> {
			string(block, name);
			string(block, value);
		});
		ByteArrayOutputStream packet = new ByteArrayOutputStream();
		packet.write(0);
		packet.write(block.size() & 0xFF);
		packet.write(block.size() >>> 8);
		packet.write(0);
		packet.writeBytes(block.toByteArray());
		return packet.toByteArray();
	}

	private static void string(ByteArrayOutputStream out, String value) {
		byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
		out.write(bytes.length & 0xFF);
		out.write(bytes.length >>> 8);
		out.writeBytes(bytes);
	}

	private static int indexOf(byte[] bytes, byte[] sequence) {
		for (int i = 0; i + sequence.length <= bytes.length; i++) {
			if (Arrays.equals(bytes, i, i + sequence.length, sequence, 0, sequence.length)) {
				return i;
			}
		}
		return -1;
	}

	/** A response as read from the connection: the head up to its last CRLF, and the body. */
	private record Response(String head, byte[] body) {
	}

}
