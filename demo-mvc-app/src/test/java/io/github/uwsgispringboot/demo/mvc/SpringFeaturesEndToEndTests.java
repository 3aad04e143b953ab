package io.github.uwsgispringboot.demo.mvc;

import java.net.URI;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.Nginx;
import io.github.uwsgispringboot.e2e.SpringFeaturesTests;
import io.github.uwsgispringboot.e2e.Transport;

import static io.github.uwsgispringboot.e2e.EndToEnd.socketDir;

/**
 * Spring features a user relies on ({@link SpringFeaturesTests}: a 50 MB multipart upload to disk,
 * form posts, compression, form login with CSRF at the root and under a prefix), through a real
 * nginx in front of the MVC demo on Tomcat. Compression is nginx's here ({@code gzip on} in
 * {@code demo-mvc-app/nginx/nginx.conf}): {@code server.compression.*} applies to Tomcat's HTTP
 * connector only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "uwsgi.port=0")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringFeaturesEndToEndTests extends SpringFeaturesTests {

	private static final Path SOCKET_DIR = socketDir();

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@Value("${uwsgi.unix-socket.path}")
	private Path uwsgiSocket;

	private Nginx nginx;

	@DynamicPropertySource
	static void uwsgiSocket(DynamicPropertyRegistry registry) {
		registry.add("uwsgi.unix-socket.path", () -> SOCKET_DIR.resolve("uwsgi.sock").toString());
	}

	@BeforeAll
	void startNginx() throws Exception {
		this.nginx = Nginx.start(this.uwsgiSocket, this.uwsgiPort);
	}

	@AfterAll
	void stopNginx() throws Exception {
		if (this.nginx != null) {
			this.nginx.close();
		}
	}

	@Override
	protected URI uri(Transport transport, String path) {
		return this.nginx.uri(transport, path);
	}

	@Override
	protected String sessionCookie() {
		return "JSESSIONID";
	}

}
