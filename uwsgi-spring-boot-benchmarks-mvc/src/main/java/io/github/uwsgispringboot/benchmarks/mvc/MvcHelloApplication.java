package io.github.uwsgispringboot.benchmarks.mvc;

import java.net.InetAddress;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.ajp.AbstractAjpProtocol;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Spring MVC application of the end-to-end benchmark ({@code scripts/benchmark.sh}): one
 * ordinary {@code @RestController} on Tomcat, Actuator on the class path, served on its HTTP port,
 * by the uwsgi starter over uwsgi on TCP and a unix socket, with {@code benchmark.ajp-port} over
 * Tomcat's own AJP connector, the peer of uwsgi behind Apache httpd, and with
 * {@code benchmark.http-unix-socket} over HTTP on a unix socket, the peer of uwsgi on a unix socket
 * behind nginx. The script sets the ports and the socket paths on the command line.
 */
@SpringBootApplication
public class MvcHelloApplication {

	public static void main(String[] args) {
		SpringApplication.run(MvcHelloApplication.class, args);
	}

	/**
	 * Tomcat's AJP connector on the loopback address, for Apache's {@code mod_proxy_ajp}: without a
	 * secret (loopback only), with Tomcat's defaults otherwise, as an AJP user would add it.
	 * @param port the AJP port, 0 for any free one; none when negative
	 * @return the customizer
	 */
	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> ajpConnector(
			@Value("${benchmark.ajp-port:-1}") int port) {
		return (factory) -> {
			if (port >= 0) {
				Connector ajp = new Connector("AJP/1.3");
				ajp.setPort(port);
				AbstractAjpProtocol<?> protocol = (AbstractAjpProtocol<?>) ajp.getProtocolHandler();
				protocol.setAddress(InetAddress.getLoopbackAddress());
				protocol.setSecretRequired(false);
				factory.addAdditionalConnectors(ajp);
			}
		};
	}

	/**
	 * A second HTTP/1.1 connector, on a unix socket that nginx's workers may write to, with Tomcat's
	 * defaults otherwise (which are Spring Boot's: 200 threads, 100 requests per kept-alive connection).
	 * @param path the socket's path; none when empty
	 * @return the customizer
	 */
	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> unixSocketHttpConnector(
			@Value("${benchmark.http-unix-socket:}") String path) {
		return (factory) -> {
			if (!path.isEmpty()) {
				Connector http = new Connector("HTTP/1.1");
				http.setProperty("unixDomainSocketPath", path);
				http.setProperty("unixDomainSocketPathPermissions", "rw-rw-rw-");
				factory.addAdditionalConnectors(http);
			}
		};
	}

	@RestController
	static class HelloController {

		/** The same text as the WebFlux benchmark application, the WSGI application and nginx's own answer. */
		@GetMapping("/hello")
		String hello() {
			return "Hello, world!";
		}

	}

}
