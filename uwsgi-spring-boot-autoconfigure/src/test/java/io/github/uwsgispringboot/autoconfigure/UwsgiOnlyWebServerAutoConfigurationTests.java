package io.github.uwsgispringboot.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiOnlyWebServerAutoConfiguration}.
 */
class UwsgiOnlyWebServerAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UwsgiOnlyWebServerAutoConfiguration.class));

	@Test
	void serverPortMinusOneGivesAWebServerThatListensNowhere() {
		this.contextRunner.withPropertyValues("server.port=-1").run((context) -> {
			assertThat(context).hasSingleBean(ReactiveWebServerFactory.class);
			WebServer webServer = context.getBean(ReactiveWebServerFactory.class)
				.getWebServer((request, response) -> response.setComplete());
			webServer.start();
			assertThat(webServer.getPort()).isEqualTo(-1);
			webServer.stop();
		});
	}

	@Test
	void backsOffWithAnHttpPort() {
		this.contextRunner.withPropertyValues("server.port=8080")
			.run((context) -> assertThat(context).doesNotHaveBean(ReactiveWebServerFactory.class));
	}

	@Test
	void backsOffWhenUwsgiIsDisabled() {
		this.contextRunner.withPropertyValues("server.port=-1", "uwsgi.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReactiveWebServerFactory.class));
	}

	@Test
	void backsOffWhenNotAReactiveWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(UwsgiOnlyWebServerAutoConfiguration.class))
			.withPropertyValues("server.port=-1")
			.run((context) -> assertThat(context).doesNotHaveBean(ReactiveWebServerFactory.class));
	}

	@Test
	void userDefinedWebServerFactoryWins() {
		ReactiveWebServerFactory userFactory = (httpHandler) -> null;
		this.contextRunner.withPropertyValues("server.port=-1")
			.withBean("userFactory", ReactiveWebServerFactory.class, () -> userFactory)
			.run((context) -> assertThat(context).getBean(ReactiveWebServerFactory.class).isSameAs(userFactory));
	}

}
