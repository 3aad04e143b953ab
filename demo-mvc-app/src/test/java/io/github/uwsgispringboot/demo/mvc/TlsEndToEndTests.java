package io.github.uwsgispringboot.demo.mvc;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.uwsgispringboot.e2e.TlsTests;

/**
 * The Tomcat uwsgi connectors over TLS behind a real nginx ({@code demo-mvc-app/nginx/suwsgi.conf}),
 * {@link TlsTests}: the client certificate of an HTTPS client, forwarded in a var, reaches the
 * application as {@code jakarta.servlet.request.X509Certificate}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "uwsgi.port=0", "uwsgi.ssl.bundle=uwsgi", "uwsgi.ssl.client-auth=need" })
class TlsEndToEndTests extends TlsTests {

	@Value("${local.uwsgi.port}")
	private int uwsgiPort;

	@DynamicPropertySource
	static void tls(DynamicPropertyRegistry registry) {
		applicationProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@Override
	protected int uwsgiPort() {
		return this.uwsgiPort;
	}

	@Override
	protected String expectedHello() {
		return "Hello from Spring MVC over uwsgi\n";
	}

}
