package io.github.uwsgispringboot.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import io.github.uwsgispringboot.e2e.ApplicationProcess;
import io.github.uwsgispringboot.e2e.Failover;
import io.github.uwsgispringboot.e2e.Failover.Run;
import io.github.uwsgispringboot.e2e.Failover.Stop;
import io.github.uwsgispringboot.e2e.Nginx;

import static io.github.uwsgispringboot.e2e.Failover.CLIENTS;
import static io.github.uwsgispringboot.e2e.Failover.FAILED_AFTER_SENDING;
import static io.github.uwsgispringboot.e2e.Failover.NO_RESPONSE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of the demo application, each its own JVM, behind one nginx that balances over
 * them ({@code demo-app/nginx/failover.conf}), under a continuous load of POST requests while one
 * instance stops ({@link Failover}). nginx passes a request it could not deliver to the other
 * instance, but never a POST it has already sent: every request a stop loses reaches a client as a
 * 502.
 * <ul>
 * <li>a graceful stop over unix sockets loses nothing;
 * <li>a graceful stop over TCP loses at most the connections the kernel had queued for the
 * instance when its port closed: measured, not zero;
 * <li>taken out of the upstream first, an instance stops over TCP without a loss;
 * <li>a hard kill loses only requests in flight while the instance died: those it was serving and
 * those sent to it until the kernel had torn it down.
 * </ul>
 * Each test prints one {@code [failover]} line with its numbers (in surefire's output file).
 */
class FailoverEndToEndTests {

	/** What the instance logs once its uwsgi listener is bound. */
	private static final Pattern LISTENING = Pattern.compile("uwsgi server listening on 127\\.0\\.0\\.1:(\\d+)");

	private static final Pattern NGINX_CONFIG_ARGUMENT = Pattern.compile(" -c ([^\\s\\x00]+)");

	private final List<ApplicationProcess> instances = new ArrayList<>();

	/** The instances' sockets and logs, kept when a test fails. */
	@TempDir(cleanup = CleanupMode.ON_SUCCESS)
	private Path dir;

	private Nginx nginx;

	private ApplicationProcess a;

	private ApplicationProcess b;

	private int portA;

	private int portB;

	@BeforeEach
	void startTwoInstancesBehindNginx() throws Exception {
		// nginx's workers run as nobody when the tests run as root: they must reach the sockets
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		this.a = start("a");
		this.b = start("b");
		this.portA = awaitListening(this.a);
		this.portB = awaitListening(this.b);
		this.nginx = Nginx.start(Path.of("nginx"), List.of("failover.conf"),
				Map.of("@SOCKET_A@", this.a.socket().toString(), "@SOCKET_B@", this.b.socket().toString(),
						"@PORT_A@", Integer.toString(this.portA), "@PORT_B@", Integer.toString(this.portB)),
				"@HTTP_PORT_UNIX@", "@HTTP_PORT_TCP@");
	}

	/**
	 * Start the demo application in a JVM of its own, on an ephemeral TCP port and a unix socket.
	 */
	private ApplicationProcess start(String name) throws IOException {
		ApplicationProcess instance = ApplicationProcess.start(DemoApplication.class, name, this.dir,
				"--server.port=0", "--uwsgi.port=0");
		this.instances.add(instance);
		return instance;
	}

	/**
	 * Wait until the instance's uwsgi listeners are bound, and return its TCP port.
	 */
	private static int awaitListening(ApplicationProcess instance) throws IOException, InterruptedException {
		return Integer.parseInt(instance.awaitLog(LISTENING, Duration.ofSeconds(60)).group(1));
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
		Run run = underLoad("@HTTP_PORT_UNIX@", this.a::stopGracefully);
		report("unix sockets, graceful stop", run);
		assertThat(this.a.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
		assertThat(run.failures()).as(diagnostics(run)).isEmpty();
		assertThat(this.a.servedRequests()).as("requests a answered").isPositive();
		assertThat(run.succeededAfterStop()).as("requests b answered after a had stopped").isGreaterThan(CLIENTS);
	}

	@Test
	void gracefulStopOverTcpLosesAtMostTheConnectionsQueuedForTheInstance() throws Exception {
		Run run = underLoad("@HTTP_PORT_TCP@", this.a::stopGracefully);
		report("TCP, graceful stop", run);
		assertThat(this.a.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
		// each client has one request outstanding: no more than CLIENTS can be lost, and only
		// requests sent before the port closed
		assertThat(run.failures()).as(diagnostics(run))
			.hasSizeLessThanOrEqualTo(CLIENTS)
			.allSatisfy((failure) -> assertThat(failure.start()).isLessThan(run.stopped()))
			.allSatisfy((failure) -> assertThat(failure.failure()).isEqualTo("status 502"));
		assertThat(run.succeededAfterStop()).as("requests b answered after a had stopped").isGreaterThan(CLIENTS);
	}

	@Test
	void takenOutOfTheUpstreamFirstAnInstanceStopsOverTcpWithoutALoss() throws Exception {
		AtomicLong servedWhenOut = new AtomicLong();
		AtomicLong reloaded = new AtomicLong();
		Run run = underLoad("@HTTP_PORT_TCP@", () -> {
			takeOutOfUpstream(this.portA);
			reloaded.set(System.nanoTime());
			servedWhenOut.set(this.a.settledServedRequests());
			this.a.stopGracefully();
		});
		report("TCP, out of the upstream (down, reload), then graceful stop", run);
		assertThat(this.nginx.errorLog()).as("requests nginx could not pass on")
			.doesNotContainPattern(FAILED_AFTER_SENDING);
		// the reload itself closes the client connections that are idle at that moment: a request
		// sent on one just then gets no answer from nginx, and never reached an instance
		assertThat(run.failures()).as(diagnostics(run))
			.hasSizeLessThanOrEqualTo(CLIENTS)
			.allSatisfy((failure) -> assertThat(failure.failure()).startsWith(NO_RESPONSE))
			.allSatisfy((failure) -> assertThat(failure.end()).isLessThan(reloaded.get()));
		assertThat(this.a.servedRequests()).as("requests a answered once out of the upstream")
			.isEqualTo(servedWhenOut.get());
		assertThat(run.succeededAfterStop()).as("requests b answered after a had stopped").isGreaterThan(CLIENTS);
	}

	@Test
	void hardKillLosesOnlyTheRequestsInFlightWhenTheInstanceDied() throws Exception {
		Run run = underLoad("@HTTP_PORT_UNIX@", this.a::kill);
		report("unix sockets, hard kill", run);
		assertThat(run.failures()).as(diagnostics(run))
			.hasSizeLessThanOrEqualTo(CLIENTS)
			.allSatisfy((failure) -> assertThat(run.inFlightDuringStop()).contains(failure))
			.allSatisfy((failure) -> assertThat(failure.failure()).isEqualTo("status 502"));
		assertThat(run.succeededAfterStop()).as("requests b answered after a was killed").isGreaterThan(CLIENTS);
	}

	private Run underLoad(String portPlaceholder, Stop stop) throws Exception {
		return Failover.underLoad(this.nginx.uri(portPlaceholder, "http", "/sha256"), stop);
	}

	/**
	 * What an operator does before stopping an instance on TCP: mark it {@code down} in the
	 * upstream and reload nginx. Returns when the workers that knew it as up have exited.
	 */
	private void takeOutOfUpstream(int port) throws Exception {
		ProcessHandle master = ProcessHandle.current()
			.children()
			.filter((child) -> child.info().command().orElse("").endsWith("/nginx"))
			.findFirst()
			.orElseThrow();
		// nginx rewrote its command line into "nginx: master process /usr/sbin/nginx ... -c CONFIG"
		Matcher configArgument = NGINX_CONFIG_ARGUMENT
			.matcher(Files.readString(Path.of("/proc", Long.toString(master.pid()), "cmdline")));
		assertThat(configArgument.find()).as("nginx's -c argument").isTrue();
		Path config = Path.of(configArgument.group(1));
		String server = "server 127.0.0.1:" + port + " ";
		Files.writeString(config, Files.readString(config).replace(server, server + "down "));
		Set<Long> workersBefore = master.children().map(ProcessHandle::pid).collect(Collectors.toSet());
		Path runDir = config.getParent();
		Process reload = new ProcessBuilder(master.info().command().orElseThrow(), "-e", "stderr", "-p",
				runDir.toString(), "-c", config.toString(), "-s", "reload")
			.redirectErrorStream(true)
			.redirectOutput(runDir.resolve("reload.log").toFile())
			.start();
		assertThat(reload.waitFor(10, TimeUnit.SECONDS) && reload.exitValue() == 0)
			.as(() -> "nginx -s reload: " + readQuietly(runDir.resolve("reload.log")))
			.isTrue();
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (master.children().anyMatch((worker) -> workersBefore.contains(worker.pid()))) {
			assertThat(System.nanoTime()).as("nginx reloaded").isLessThan(deadline);
			Thread.sleep(20);
		}
	}

	private static String readQuietly(Path file) {
		try {
			return Files.readString(file, StandardCharsets.ISO_8859_1);
		}
		catch (IOException ex) {
			return ex.toString();
		}
	}

	private void report(String scenario, Run run) throws IOException {
		Failover.report(scenario, run, this.nginx, this.a, this.b);
	}

	private String diagnostics(Run run) throws IOException {
		return Failover.diagnostics(run, this.nginx, this.a);
	}

}
