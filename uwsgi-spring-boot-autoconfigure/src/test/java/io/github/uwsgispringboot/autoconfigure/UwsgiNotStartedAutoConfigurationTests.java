package io.github.uwsgispringboot.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiNotStartedAutoConfiguration}.
 */
@ExtendWith(OutputCaptureExtension.class)
class UwsgiNotStartedAutoConfigurationTests {

	private final AutoConfigurations configurations = AutoConfigurations.of(UwsgiAutoConfiguration.class,
			UwsgiTomcatAutoConfiguration.class, UwsgiNotStartedAutoConfiguration.class);

	@Test
	void applicationThatIsNotAWebApplicationIsToldWhyNothingListens(CapturedOutput output) {
		new ApplicationContextRunner().withConfiguration(this.configurations)
			.run((context) -> assertThat(output).contains("No uwsgi listener started: this is not a web application"));
	}

	@Test
	void servletApplicationWithTheConnectorIsNotWarned(CapturedOutput output) {
		new WebApplicationContextRunner().withConfiguration(this.configurations)
			.withPropertyValues("uwsgi.port=0")
			.run((context) -> {
				assertThat(context).hasSingleBean(UwsgiTomcatConnectors.class);
				assertThat(output).doesNotContain("No uwsgi listener started: this");
			});
	}

	@Test
	void disabledListenerIsNotReported(CapturedOutput output) {
		new ApplicationContextRunner().withConfiguration(this.configurations)
			.withPropertyValues("uwsgi.enabled=false")
			.run((context) -> assertThat(output).doesNotContain("No uwsgi listener started"));
	}

}
