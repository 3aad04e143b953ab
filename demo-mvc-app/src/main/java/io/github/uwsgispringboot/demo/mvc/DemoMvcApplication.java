package io.github.uwsgispringboot.demo.mvc;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC application on Tomcat that knows nothing of uwsgi: the starter on its class path
 * makes it reachable through nginx {@code uwsgi_pass} as well as over HTTP.
 */
@SpringBootApplication
public class DemoMvcApplication {

	public static void main(String[] args) {
		SpringApplication.run(DemoMvcApplication.class, args);
	}

}
