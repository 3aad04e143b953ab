package io.github.uwsgispringboot.protocol;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SocketActivation}: systemd's {@code LISTEN_*} variables, as {@code sd_listen_fds}
 * reads them.
 */
class SocketActivationTests {

	@Test
	void noVariablesNoSockets() {
		SocketActivation activation = SocketActivation.from(Map.of(), 42);
		assertThat(activation.isPresent()).isFalse();
		assertThat(activation.ignoredBecause()).isNull();
	}

	@Test
	void socketsStartAtDescriptorThreeWithTheirNames() {
		SocketActivation activation = SocketActivation
			.from(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42", "LISTEN_FDNAMES", "myapp.socket:myapp.socket"), 42);
		assertThat(activation.all()).containsExactly(new PassedSocket(3, "myapp.socket"),
				new PassedSocket(4, "myapp.socket"));
		assertThat(activation.forUwsgi()).isEqualTo(activation.all());
	}

	@Test
	void socketsNamedUwsgiArePickedWhenAnyIs() {
		SocketActivation activation = SocketActivation
			.from(Map.of("LISTEN_FDS", "3", "LISTEN_PID", "42", "LISTEN_FDNAMES", "http:uwsgi:uwsgi"), 42);
		assertThat(activation.forUwsgi()).containsExactly(new PassedSocket(4, "uwsgi"), new PassedSocket(5, "uwsgi"));
	}

	@Test
	void missingNamesAreUnknown() {
		SocketActivation activation = SocketActivation.from(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 42);
		assertThat(activation.all()).containsExactly(new PassedSocket(3, "unknown"));
	}

	@Test
	void variablesForAnotherProcessAreIgnoredWithTheReason() {
		SocketActivation activation = SocketActivation.from(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "41"), 42);
		assertThat(activation.isPresent()).isFalse();
		assertThat(activation.ignoredBecause()).isEqualTo("LISTEN_FDS=1 is for process 41, not this one (42)");
	}

	@Test
	void malformedCountFailsStartUp() {
		assertThatExceptionOfType(UwsgiServerException.class)
			.isThrownBy(() -> SocketActivation.from(Map.of("LISTEN_FDS", "x", "LISTEN_PID", "42"), 42))
			.withMessageContaining("LISTEN_FDS is not a number of descriptors: 'x'");
	}

}
