package io.github.uwsgispringboot.benchmarks.app;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebFlux benchmark application answers over HTTP on a unix socket as on its HTTP port, and
 * has Actuator on its class path.
 */
class HelloApplicationTests {

	@TempDir
	Path directory;

	@Test
	void unixSocketHttpListenerAnswersHelloAndNginxsWorkersMayConnect() throws IOException {
		Path socket = this.directory.resolve("http.sock");
		try (ConfigurableApplicationContext context = SpringApplication.run(HelloApplication.class,
				"--server.port=0", "--uwsgi.enabled=false", "--benchmark.http-unix-socket=" + socket)) {
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
		assertThat(socket).doesNotExist();
	}

	@Test
	void classPathHoldsActuator() {
		assertThat(ClassUtils.isPresent("org.springframework.boot.actuate.endpoint.annotation.Endpoint",
				getClass().getClassLoader()))
			.isTrue();
	}

}
