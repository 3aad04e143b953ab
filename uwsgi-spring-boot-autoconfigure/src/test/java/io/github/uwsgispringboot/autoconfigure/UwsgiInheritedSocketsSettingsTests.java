package io.github.uwsgispringboot.autoconfigure;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.uwsgispringboot.protocol.SocketActivation;
import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;
import io.github.uwsgispringboot.protocol.UwsgiServerException;
import io.github.uwsgispringboot.server.UwsgiServerOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@code uwsgi.inherited-sockets}: which sockets passed in by the service manager the
 * listeners serve on, and what is said about the settings they make unused.
 */
@ExtendWith(OutputCaptureExtension.class)
class UwsgiInheritedSocketsSettingsTests {

	private static final long PID = 42;

	private static final SocketActivation PASSED = SocketActivation
		.from(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42", "LISTEN_FDNAMES", "uwsgi"), PID);

	private static final SocketActivation NOT_PASSED = SocketActivation.from(Map.of(), PID);

	private final UwsgiProperties properties = new UwsgiProperties();

	@Test
	void socketsPassedInAreServedByDefaultAndTheUnusedSettingsLogged(CapturedOutput output) {
		this.properties.getUnixSocket().setPath(Path.of("/run/app/uwsgi.sock"));
		this.properties.getUnixSocket().setPermissions("660");
		UwsgiServerOptions options = UwsgiAutoConfiguration.options(this.properties, null, PASSED);
		assertThat(options.inheritedSockets()).containsExactly(new PassedSocket(3, "uwsgi"));
		assertThat(output).contains("uwsgi server serves on the sockets passed in ([fd 3 (uwsgi)]); the service "
				+ "manager owns them, so these settings are not used: uwsgi.address=127.0.0.1, uwsgi.port=3031, "
				+ "uwsgi.unix-socket.path=/run/app/uwsgi.sock, uwsgi.unix-socket.permissions=660, and no socket "
				+ "file is removed on stop");
	}

	@Test
	void withoutSocketsTheListenersBindAsConfigured() {
		UwsgiServerOptions options = UwsgiAutoConfiguration.options(this.properties, null, NOT_PASSED);
		assertThat(options.inheritedSockets()).isEmpty();
		assertThat(options.port()).isEqualTo(3031);
	}

	@Test
	void requireFailsStartUpWithoutSockets() {
		this.properties.setInheritedSockets(UwsgiProperties.InheritedSockets.REQUIRE);
		assertThatExceptionOfType(UwsgiServerException.class)
			.isThrownBy(() -> UwsgiAutoConfiguration.options(this.properties, null, NOT_PASSED))
			.withMessageStartingWith("uwsgi server failed to start: uwsgi.inherited-sockets=require but no socket "
					+ "was passed in (LISTEN_FDS is not set)");
	}

	@Test
	void requireSaysWhenTheSocketsWereForAnotherProcess() {
		this.properties.setInheritedSockets(UwsgiProperties.InheritedSockets.REQUIRE);
		SocketActivation forParent = SocketActivation.from(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "1"), PID);
		assertThatExceptionOfType(UwsgiServerException.class)
			.isThrownBy(() -> UwsgiAutoConfiguration.options(this.properties, null, forParent))
			.withMessageContaining("LISTEN_FDS=1 is for process 1, not this one (42)");
	}

	@Test
	void ignoreBindsAsConfiguredWhateverIsPassed(CapturedOutput output) {
		this.properties.setInheritedSockets(UwsgiProperties.InheritedSockets.IGNORE);
		assertThat(UwsgiAutoConfiguration.options(this.properties, null, PASSED).inheritedSockets()).isEmpty();
		assertThat(output).contains("uwsgi.inherited-sockets=ignore: not serving on the sockets passed in");
	}

	@Test
	void inheritedSocketsNeedNoPortOrPath() {
		this.properties.setPort(-1);
		assertThat(UwsgiAutoConfiguration.options(this.properties, null, PASSED).inheritedSockets()).hasSize(1);
	}

	@Test
	void propertyBindsFromItsKebabCaseValues() {
		assertThat(new org.springframework.boot.context.properties.bind.Binder(
				new org.springframework.boot.context.properties.source.MapConfigurationPropertySource(
						Map.of("uwsgi.inherited-sockets", "when-present")))
			.bind("uwsgi", UwsgiProperties.class)
			.get()
			.getInheritedSockets()).isEqualTo(UwsgiProperties.InheritedSockets.WHEN_PRESENT);
	}

	@Test
	void tomcatConnectorRefusesSocketsPassedFromDescriptor3SayingHowToPassOneOnStandardInput() {
		for (UwsgiProperties.InheritedSockets mode : new UwsgiProperties.InheritedSockets[] {
				UwsgiProperties.InheritedSockets.WHEN_PRESENT, UwsgiProperties.InheritedSockets.REQUIRE }) {
			this.properties.setInheritedSockets(mode);
			assertThatExceptionOfType(UwsgiServerException.class)
				.isThrownBy(() -> UwsgiTomcatConnectors.inheritedListener(this.properties, PASSED, null))
				.withMessageStartingWith("uwsgi connector cannot serve on the sockets passed from descriptor 3 on "
						+ "([fd 3 (uwsgi)], LISTEN_FDS). The Tomcat connector listens through the JDK, which adopts "
						+ "one inherited socket only: a listening socket on standard input (descriptor 0")
				.withMessageContaining("Put StandardInput=socket and StandardOutput=journal in the .service unit")
				.withMessageEndingWith("or set uwsgi.inherited-sockets=ignore to bind as configured.");
		}
	}

	@Test
	void tomcatConnectorRequiringAnInheritedSocketFailsWithoutOneOnStandardInput() {
		// standard input of the test JVM is a pipe
		this.properties.setInheritedSockets(UwsgiProperties.InheritedSockets.REQUIRE);
		assertThatExceptionOfType(UwsgiServerException.class)
			.isThrownBy(() -> UwsgiTomcatConnectors.inheritedListener(this.properties, NOT_PASSED, null))
			.withMessageStartingWith("uwsgi server failed to start: uwsgi.inherited-sockets=require but no socket was "
					+ "passed in: standard input is not a socket. The Tomcat connector listens through the JDK")
			.withMessageContaining("StandardInput=socket")
			.withMessageEndingWith("or set uwsgi.inherited-sockets=when-present.");
	}

	@Test
	void tomcatConnectorBindsWithoutSocketsOrWhenTheyAreIgnored(CapturedOutput output) {
		assertThat(UwsgiTomcatConnectors.inheritedListener(this.properties, NOT_PASSED, null)).isNull();
		this.properties.setInheritedSockets(UwsgiProperties.InheritedSockets.IGNORE);
		assertThat(UwsgiTomcatConnectors.inheritedListener(this.properties, PASSED, null)).isNull();
		assertThat(output).contains("uwsgi.inherited-sockets=ignore: not serving on the sockets passed in ([fd 3 (uwsgi)])");
	}

}
