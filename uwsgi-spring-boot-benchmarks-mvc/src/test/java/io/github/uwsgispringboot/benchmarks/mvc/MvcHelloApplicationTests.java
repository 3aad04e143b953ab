package io.github.uwsgispringboot.benchmarks.mvc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MVC benchmark application answers the same on every connector the benchmark measures, and
 * its class path is a servlet application's only.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "uwsgi.port=0", "benchmark.ajp-port=0" })
class MvcHelloApplicationTests {

	@TempDir
	static Path directory;

	@DynamicPropertySource
	static void unixSocket(DynamicPropertyRegistry registry) {
		registry.add("benchmark.http-unix-socket", () -> directory.resolve("http.sock").toString());
	}

	@Autowired
	Environment environment;

	@Autowired
	WebServerApplicationContext context;

	@Test
	void httpPortAnswersHello() throws Exception {
		int port = this.environment.getRequiredProperty("local.server.port", Integer.class);
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("Hello, world!");
	}

	@Test
	void uwsgiConnectorAnswersHello() throws IOException {
		int port = this.environment.getRequiredProperty("local.uwsgi.port", Integer.class);
		byte[] reply = exchange(port, uwsgiRequest("REQUEST_METHOD", "GET", "REQUEST_URI", "/hello", "PATH_INFO",
				"/hello", "SERVER_PROTOCOL", "HTTP/1.1", "HTTP_HOST", "localhost", "REMOTE_ADDR", "127.0.0.1"));
		String response = new String(reply, StandardCharsets.ISO_8859_1);
		assertThat(response).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nHello, world!");
	}

	@Test
	void unixSocketHttpConnectorAnswersHelloAndNginxsWorkersMayConnect() throws IOException {
		Path socket = directory.resolve("http.sock");
		assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw-rw-"));
		try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			channel.connect(UnixDomainSocketAddress.of(socket));
			// nginx's default proxy_pass: HTTP/1.0, the connection closed after the response
			channel.write(ByteBuffer.wrap("GET /hello HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n"
				.getBytes(StandardCharsets.US_ASCII)));
			String response = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.US_ASCII);
			assertThat(response).matches("(?s)HTTP/1\\.[01] 200 .*").endsWith("\r\n\r\nHello, world!");
		}
	}

	@Test
	void ajpConnectorListensOnLoopbackWithoutASecret() throws IOException {
		Connector ajp = Arrays
			.stream(((TomcatWebServer) this.context.getWebServer()).getTomcat().getService().findConnectors())
			.filter((connector) -> connector.getProtocol().startsWith("AJP"))
			.findFirst()
			.orElseThrow();
		// CPing: magic 0x1234, length 1, type 10; Tomcat answers CPong: "AB", length 1, type 9
		byte[] reply = exchange(ajp.getLocalPort(), new byte[] { 0x12, 0x34, 0x00, 0x01, 0x0A }, 5);
		assertThat(reply).containsExactly('A', 'B', 0x00, 0x01, 0x09);
	}

	@Test
	void classPathHoldsNeitherWebFluxNorReactorNetty() {
		ClassLoader loader = getClass().getClassLoader();
		assertThat(ClassUtils.isPresent("org.springframework.web.reactive.DispatcherHandler", loader)).isFalse();
		assertThat(ClassUtils.isPresent("reactor.netty.http.server.HttpServer", loader)).isFalse();
	}

	/** Send the request, half-close, and read the whole reply (the server closes after it). */
	private static byte[] exchange(int port, byte[] request) throws IOException {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(request);
			socket.shutdownOutput();
			return socket.getInputStream().readAllBytes();
		}
	}

	/** Send the request and read {@code length} bytes of the reply (AJP keeps the connection open). */
	private static byte[] exchange(int port, byte[] request, int length) throws IOException {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(request);
			out.flush();
			InputStream in = socket.getInputStream();
			return in.readNBytes(length);
		}
	}

	/** A uwsgi packet: modifiers 0/0, the vars' size little-endian, then each var's length and bytes. */
	private static byte[] uwsgiRequest(String... nameValues) {
		ByteArrayOutputStream vars = new ByteArrayOutputStream();
		for (String item : nameValues) {
			byte[] bytes = item.getBytes(StandardCharsets.ISO_8859_1);
			vars.write(bytes.length & 0xFF);
			vars.write(bytes.length >> 8);
			vars.writeBytes(bytes);
		}
		ByteArrayOutputStream packet = new ByteArrayOutputStream();
		packet.write(0);
		packet.write(vars.size() & 0xFF);
		packet.write(vars.size() >> 8);
		packet.write(0);
		packet.writeBytes(vars.toByteArray());
		return packet.toByteArray();
	}

}
