package io.github.uwsgispringboot.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.uwsgispringboot.e2e.TestCertificates;
import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * uwsgi over TLS ({@code suwsgi://} at nginx) for a Spring MVC application: the Tomcat connectors
 * take the SSL bundle and client authentication of {@code uwsgi.ssl.*}, as the WebFlux listener does.
 */
class UwsgiTomcatTlsTests {

	private static TestCertificates certificates;

	@BeforeAll
	static void createCertificates() throws Exception {
		certificates = TestCertificates.create();
	}

	@Test
	void proxyWithItsCertificateIsServedOverTls() throws Exception {
		try (ConfigurableApplicationContext context = start("need", "127.0.0.1")) {
			String response = exchange(address(context), clientContext(true));
			assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("scheme=https");
		}
	}

	@Test
	void proxyWithoutACertificateIsRefusedWhenOneIsNeeded() throws Exception {
		try (ConfigurableApplicationContext context = start("need", "127.0.0.1")) {
			assertThatExceptionOfType(IOException.class)
				.isThrownBy(() -> exchange(address(context), clientContext(false)));
		}
	}

	@Test
	void clientCertificatesProtectANetworkBind() throws Exception {
		try (ConfigurableApplicationContext context = start("need", "0.0.0.0")) {
			InetSocketAddress bound = address(context);
			assertThat(exchange(new InetSocketAddress("127.0.0.1", bound.getPort()), clientContext(true)))
				.startsWith("HTTP/1.1 200 ");
		}
	}

	private static ConfigurableApplicationContext start(String clientAuth, String address) {
		return new SpringApplicationBuilder(TlsApplication.class).web(WebApplicationType.SERVLET)
			.properties("server.port=-1", "uwsgi.port=0", "uwsgi.address=" + address,
					"spring.ssl.bundle.pem.uwsgi.keystore.certificate=" + file(certificates.certificate("server")),
					"spring.ssl.bundle.pem.uwsgi.keystore.private-key=" + file(certificates.key("server")),
					"spring.ssl.bundle.pem.uwsgi.truststore.certificate=" + file(certificates.certificate("ca")),
					"uwsgi.ssl.bundle=uwsgi", "uwsgi.ssl.client-auth=" + clientAuth)
			.run();
	}

	private static String file(java.nio.file.Path path) {
		return "file:" + path.toAbsolutePath();
	}

	private static InetSocketAddress address(ConfigurableApplicationContext context) {
		return context.getBean(UwsgiTomcatConnectors.class).tcpAddress();
	}

	private static SSLContext clientContext(boolean withCertificate) {
		PemSslStoreDetails key = withCertificate
				? PemSslStoreDetails.forCertificate(file(certificates.certificate("client")))
					.withPrivateKey(file(certificates.key("client")))
				: null;
		PemSslStoreDetails trust = PemSslStoreDetails.forCertificate(file(certificates.certificate("ca")));
		return SslBundle.of(new PemSslStoreBundle(key, trust)).createSslContext();
	}

	private static String exchange(InetSocketAddress address, SSLContext context) throws IOException {
		UwsgiVars vars = UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/scheme")
			.add("HTTPS", "on")
			.build();
		try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
			.createSocket(address.getAddress(), address.getPort())) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(UwsgiTestClient.packet(vars, ""));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] response = in.readAllBytes();
			if (response.length == 0) {
				throw new SSLException("closed without a response");
			}
			return new String(response, StandardCharsets.ISO_8859_1);
		}
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ SslAutoConfiguration.class, TomcatServletWebServerAutoConfiguration.class,
			DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class, UwsgiTomcatAutoConfiguration.class })
	static class TlsApplication {

		@Bean
		SchemeController schemeController() {
			return new SchemeController();
		}

	}

	@RestController
	static class SchemeController {

		@GetMapping("/scheme")
		String scheme(jakarta.servlet.http.HttpServletRequest request) {
			return "scheme=" + request.getScheme();
		}

	}

}
