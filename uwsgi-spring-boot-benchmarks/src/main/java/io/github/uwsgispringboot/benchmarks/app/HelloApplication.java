package io.github.uwsgispringboot.benchmarks.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application of the end-to-end benchmark ({@code scripts/benchmark.sh}): one ordinary WebFlux
 * controller, served on its HTTP port and, by the uwsgi starter, over uwsgi on TCP and a unix
 * socket. The script sets the ports and the socket path on the command line.
 */
@SpringBootApplication
public class HelloApplication {

	public static void main(String[] args) {
		SpringApplication.run(HelloApplication.class, args);
	}

	@RestController
	static class HelloController {

		/** The same text as the WSGI application and nginx's own answer in the benchmark. */
		@GetMapping("/hello")
		String hello() {
			return "Hello, world!";
		}

	}

}
