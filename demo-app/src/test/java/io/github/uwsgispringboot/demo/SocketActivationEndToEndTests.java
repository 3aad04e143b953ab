package io.github.uwsgispringboot.demo;

import java.nio.file.Path;
import java.util.List;

import io.github.uwsgispringboot.e2e.SocketActivationTests;

/**
 * The WebFlux demo application started as systemd starts a socket-activated service, behind nginx,
 * and restarted under load on the sockets it inherits ({@link SocketActivationTests}): one process
 * serves both sockets, passed from descriptor 3 on ({@code LISTEN_FDS}).
 */
class SocketActivationEndToEndTests extends SocketActivationTests {

	@Override
	protected Class<?> application() {
		return DemoApplication.class;
	}

	@Override
	protected List<String> expectedListeningLines(int port, Path socket) {
		return List.of("uwsgi server listening on 127.0.0.1:" + port + " and unix:" + socket
				+ " (inherited from the service manager: [fd 3 (uwsgi), fd 4 (uwsgi)])");
	}

}
