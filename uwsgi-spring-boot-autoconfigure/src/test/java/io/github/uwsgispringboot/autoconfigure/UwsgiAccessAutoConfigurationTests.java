package io.github.uwsgispringboot.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.protocol.UwsgiServerException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for who may connect, as {@link UwsgiAutoConfiguration} configures it.
 */
class UwsgiAccessAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UwsgiAutoConfiguration.class))
		.withUserConfiguration(HttpHandlerConfiguration.class)
		.withPropertyValues("uwsgi.port=0");

	@Test
	void listenerOnAllAddressesWithoutProtectionRefusesToStartAndSaysWhy() {
		this.contextRunner.withPropertyValues("uwsgi.address=0.0.0.0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(UwsgiServerException.class)
				.hasMessageContaining("refuses to listen on 0.0.0.0")
				.hasMessageContaining("uwsgi.allowed-clients")
				.hasMessageContaining("uwsgi.allow-unprotected=true"));
	}

	@Test
	void listenerOnAllAddressesStartsWithAnAllowList() {
		this.contextRunner.withPropertyValues("uwsgi.address=0.0.0.0", "uwsgi.allowed-clients=10.0.0.0/8,192.0.2.7")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				UwsgiAccessPolicy policy = UwsgiListenerSettings.accessPolicy(context.getBean(UwsgiProperties.class));
				assertThat(policy.allowedNetworks()).hasSize(2);
			});
	}

	@Test
	void listenerOnAllAddressesStartsWithASharedSecret() {
		this.contextRunner
			.withPropertyValues("uwsgi.address=0.0.0.0", "uwsgi.shared-secret.value=s3cret",
					"uwsgi.shared-secret.var=NGINX_KEY")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				UwsgiAccessPolicy policy = UwsgiListenerSettings.accessPolicy(context.getBean(UwsgiProperties.class));
				assertThat(policy.secretVar()).isEqualTo("NGINX_KEY");
				assertThat(policy.secret()).isEqualTo("s3cret");
			});
	}

	@Test
	void listenerOnAllAddressesStartsWhenTheRiskIsAccepted() {
		this.contextRunner.withPropertyValues("uwsgi.address=0.0.0.0", "uwsgi.allow-unprotected=true")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(UwsgiServer.class));
	}

	@Test
	void unixSocketOnlyNeedsNoProtection() {
		this.contextRunner.withPropertyValues("uwsgi.address=0.0.0.0", "uwsgi.port=-1",
				"uwsgi.unix-socket.path=" + System.getProperty("java.io.tmpdir") + "/uwsgi-access-" + System.nanoTime()
						+ ".sock")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void invalidAllowedClientFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("uwsgi.allowed-clients=example.com")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("uwsgi.allowed-clients")
				.hasMessageContaining("example.com"));
	}

	@Test
	void defaultSecretVarIsProxySecret() {
		assertThat(new UwsgiProperties().getSharedSecret().getVar()).isEqualTo("PROXY_SECRET");
	}

	@Configuration(proxyBeanMethods = false)
	static class HttpHandlerConfiguration {

		@Bean
		HttpHandler httpHandler() {
			return (request, response) -> response.setComplete();
		}

	}

}
