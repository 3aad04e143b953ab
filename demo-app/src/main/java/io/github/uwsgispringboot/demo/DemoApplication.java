package io.github.uwsgispringboot.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A WebFlux application that knows nothing of uwsgi: the starter on its class path makes it
 * reachable through nginx {@code uwsgi_pass} as well as over HTTP.
 */
@SpringBootApplication
public class DemoApplication {

	public static void main(String[] args) {
		SpringApplication.run(DemoApplication.class, args);
	}

}
