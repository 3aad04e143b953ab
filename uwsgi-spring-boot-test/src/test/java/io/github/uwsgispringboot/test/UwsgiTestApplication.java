package io.github.uwsgispringboot.test;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A WebFlux application served over uwsgi, for the tests of the client.
 */
@SpringBootApplication
class UwsgiTestApplication {

}
