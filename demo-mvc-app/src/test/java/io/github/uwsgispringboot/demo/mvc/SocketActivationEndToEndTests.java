package io.github.uwsgispringboot.demo.mvc;

import java.nio.file.Path;
import java.util.List;

import io.github.uwsgispringboot.e2e.SocketActivationTests;

/**
 * The MVC demo application started as systemd starts a socket-activated service with
 * {@code StandardInput=socket}, behind nginx, and restarted under load on the socket it inherits
 * ({@link SocketActivationTests}): the Tomcat connector serves the one socket on standard input,
 * so one process serves the TCP socket and another the unix socket.
 */
class SocketActivationEndToEndTests extends SocketActivationTests {

	@Override
	protected Class<?> application() {
		return DemoMvcApplication.class;
	}

	@Override
	protected boolean socketOnStandardInput() {
		return true;
	}

	@Override
	protected List<String> expectedListeningLines(int port, Path socket) {
		return List.of(
				"uwsgi server listening on 127.0.0.1:" + port
						+ " (Tomcat connector, inherited from the service manager: [fd 0 (standard input)])",
				"uwsgi server listening on unix:" + socket
						+ " (Tomcat connector, inherited from the service manager: [fd 0 (standard input)])");
	}

}
