package io.github.uwsgispringboot.autoconfigure;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import io.github.uwsgispringboot.autoconfigure.UwsgiAutoConfigurationTests.HttpHandlerConfiguration;
import io.github.uwsgispringboot.protocol.UwsgiServerException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiServerFailureAnalyzer}.
 */
class UwsgiServerFailureAnalyzerTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UwsgiAutoConfiguration.class))
		.withUserConfiguration(HttpHandlerConfiguration.class);

	@Test
	void portInUseAtStartupIsExplainedWithTheWayOut() throws Exception {
		InetAddress loopback = InetAddress.getLoopbackAddress();
		try (ServerSocket taken = new ServerSocket(0, 50, loopback)) {
			this.contextRunner.withPropertyValues("uwsgi.port=" + taken.getLocalPort()).run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new UwsgiServerFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains(
						"port " + taken.getLocalPort() + " on " + loopback.getHostAddress() + " is already in use");
				assertThat(analysis.getAction()).contains("uwsgi.port", "uwsgi.unix-socket.path", "uwsgi.enabled=false");
				assertThat(analysis.getCause()).isInstanceOf(UwsgiServerException.class);
			});
		}
	}

	@Test
	void otherFailuresAreLeftToOtherAnalyzers() {
		assertThat(new UwsgiServerFailureAnalyzer().analyze(new IllegalStateException("unrelated"))).isNull();
	}

	@Test
	void isRegisteredWithSpringBoot() {
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			.load(FailureAnalyzer.class, FailureHandler.handleMessage((message, failure) -> {
			}))).hasAtLeastOneElementOfType(UwsgiServerFailureAnalyzer.class);
	}

}
