package io.github.uwsgispringboot.demo.mvc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import io.github.uwsgispringboot.e2e.ApplicationProcess;
import io.github.uwsgispringboot.e2e.Failover;
import io.github.uwsgispringboot.e2e.Failover.Run;
import io.github.uwsgispringboot.e2e.Nginx;

import static io.github.uwsgispringboot.e2e.EndToEnd.freePort;
import static io.github.uwsgispringboot.e2e.Failover.CLIENTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of the MVC demo application, each its own JVM, behind one nginx that balances over
 * their unix sockets ({@code demo-mvc-app/nginx/failover.conf}), under a continuous load of POST
 * requests while one instance stops ({@link Failover}): a graceful stop of Tomcat loses nothing.
 */
class FailoverEndToEndTests {

	private final List<ApplicationProcess> instances = new ArrayList<>();

	/** The instances' sockets and logs, kept when a test fails. */
	@TempDir(cleanup = CleanupMode.ON_SUCCESS)
	private Path dir;

	private Nginx nginx;

	private ApplicationProcess a;

	private ApplicationProcess b;

	@BeforeEach
	void startTwoInstancesBehindNginx() throws Exception {
		// nginx's workers run as nobody when the tests run as root: they must reach the sockets
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		// the configuration has a TCP upstream too, which these tests do not use
		int portA = freePort();
		int portB = freePort();
		this.a = start("a", portA);
		this.b = start("b", portB);
		this.a.awaitSocket(Duration.ofSeconds(60));
		this.b.awaitSocket(Duration.ofSeconds(60));
		this.nginx = Nginx.start(Path.of("nginx"), List.of("failover.conf"),
				Map.of("@SOCKET_A@", this.a.socket().toString(), "@SOCKET_B@", this.b.socket().toString(),
						"@PORT_A@", Integer.toString(portA), "@PORT_B@", Integer.toString(portB)),
				"@HTTP_PORT_UNIX@", "@HTTP_PORT_TCP@");
	}

	private ApplicationProcess start(String name, int uwsgiPort) throws IOException {
		ApplicationProcess instance = ApplicationProcess.start(DemoMvcApplication.class, name, this.dir,
				"--server.port=0", "--uwsgi.port=" + uwsgiPort);
		this.instances.add(instance);
		return instance;
	}

	@AfterEach
	void stopEverything() throws Exception {
		try {
			if (this.nginx != null) {
				this.nginx.close();
			}
		}
		finally {
			for (ApplicationProcess instance : this.instances) {
				instance.close();
			}
		}
	}

	@Test
	void gracefulStopOverUnixSocketsLosesNoRequest() throws Exception {
		Run run = Failover.underLoad(this.nginx.uri("@HTTP_PORT_UNIX@", "http", "/sha256"), this.a::stopGracefully);
		Failover.report("MVC, unix sockets, graceful stop", run, this.nginx, this.a, this.b);
		assertThat(this.a.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
		assertThat(run.failures()).as(Failover.diagnostics(run, this.nginx, this.a)).isEmpty();
		assertThat(this.a.servedRequests()).as("requests a answered").isPositive();
		assertThat(run.succeededAfterStop()).as("requests b answered after a had stopped").isGreaterThan(CLIENTS);
	}

	@Test
	void hardKillLosesOnlyTheRequestsInFlightWhenTheInstanceDied() throws Exception {
		Run run = Failover.underLoad(this.nginx.uri("@HTTP_PORT_UNIX@", "http", "/sha256"), this.a::kill);
		Failover.report("MVC, unix sockets, hard kill", run, this.nginx, this.a, this.b);
		assertThat(run.failures()).as(Failover.diagnostics(run, this.nginx, this.a))
			.hasSizeLessThanOrEqualTo(CLIENTS)
			.allSatisfy((failure) -> assertThat(run.inFlightDuringStop()).contains(failure))
			.allSatisfy((failure) -> assertThat(failure.failure()).isEqualTo("status 502"));
		assertThat(run.succeededAfterStop()).as("requests b answered after a was killed").isGreaterThan(CLIENTS);
	}

}
