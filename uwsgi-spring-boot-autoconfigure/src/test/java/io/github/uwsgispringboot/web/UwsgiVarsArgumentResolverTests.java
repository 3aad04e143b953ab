package io.github.uwsgispringboot.web;

import org.junit.jupiter.api.Test;

import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Tests for {@link UwsgiVarsArgumentResolver} on requests that did not arrive over uwsgi (the
 * uwsgi path is covered end to end through nginx).
 */
class UwsgiVarsArgumentResolverTests {

	private final WebTestClient client = WebTestClient.bindToController(new VarsController())
		.argumentResolvers((configurer) -> configurer.addCustomResolver(new UwsgiVarsArgumentResolver()))
		.build();

	@Test
	void varsParameterIsEmptyOverHttp() {
		this.client.get().uri("/count").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("0");
	}

	@Test
	void missingRequiredVarIsBadRequest() {
		this.client.get().uri("/required").exchange().expectStatus().isBadRequest();
	}

	@Test
	void missingOptionalVarIsNull() {
		this.client.get().uri("/optional").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("none");
	}

	@RestController
	static class VarsController {

		@GetMapping("/count")
		String count(UwsgiVars vars) {
			return Integer.toString(vars.size());
		}

		@GetMapping("/required")
		String required(@UwsgiVar("TENANT") String tenant) {
			return tenant;
		}

		@GetMapping("/optional")
		String optional(@UwsgiVar(value = "TENANT", required = false) String tenant) {
			return (tenant != null) ? tenant : "none";
		}

	}

}
