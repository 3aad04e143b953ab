package io.github.uwsgispringboot.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The rules of the listen queue's watch, apart from the kernel: when a queue counts as full, how
 * often a full queue is warned about and what the warning says, how the kernel's lines are read;
 * and the request timeout's log line as it is written.
 */
class ListenQueueRulesTests {

	private static final long MINUTE = Duration.ofSeconds(ListenQueueMonitor.WARNING_INTERVAL_SECONDS).toNanos();

	private final List<LogRecord> records = new CopyOnWriteArrayList<>();

	private final Handler handler = new Handler() {

		@Override
		public void publish(LogRecord record) {
			ListenQueueRulesTests.this.records.add(record);
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private final List<Logger> loggers = List.of(Logger.getLogger(ListenQueueMonitor.class.getName()),
			Logger.getLogger(UwsgiRequestTimeout.LOGGER_NAME));

	@BeforeEach
	void captureLog() {
		for (Logger logger : this.loggers) {
			logger.addHandler(this.handler);
		}
	}

	@AfterEach
	void releaseLog() {
		for (Logger logger : this.loggers) {
			logger.removeHandler(this.handler);
		}
	}

	@Test
	void queueIsFullFromItsLimitOn() {
		assertThat(new ListenQueue("tcp 127.0.0.1:3031", "tcp", 1, 2).isFull()).isFalse();
		assertThat(new ListenQueue("tcp 127.0.0.1:3031", "tcp", 2, 2).isFull()).isTrue();
		// the kernel queues one more than the backlog before it turns connections away
		assertThat(new ListenQueue("tcp 127.0.0.1:3031", "tcp", 3, 2).isFull()).isTrue();
	}

	@Test
	void fullQueueIsWarnedAtOnceThenAtMostOnceAMinuteWithHowOftenItWasFullMeanwhile() {
		long[] now = { 5_000 };
		ListenQueueMonitor.Watched watched = new ListenQueueMonitor.Watched(
				ListenQueueMonitor.Listener.tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 3031), 2,
						"uwsgi.backlog"),
				() -> null, () -> now[0]);
		ListenQueue full = new ListenQueue("tcp 127.0.0.1:3031", "tcp", 3, 2);
		watched.record(full);
		assertThat(warnings()).singleElement()
			.asString()
			.startsWith("uwsgi listen queue of tcp 127.0.0.1:3031 full (3/2): the kernel drops new connections' "
					+ "handshakes")
			.contains(". Raise uwsgi.backlog and net.core.somaxconn")
			.doesNotContain("found full");
		now[0] += MINUTE - 1;
		watched.record(full);
		watched.record(new ListenQueue("tcp 127.0.0.1:3031", "tcp", 1, 2));
		watched.record(full);
		assertThat(warnings()).as("not again within a minute").hasSize(1);
		now[0] += 1;
		watched.record(full);
		assertThat(warnings()).hasSize(2);
		assertThat(warnings().get(1)).endsWith(" (found full 2 more time(s) since the last warning)");
		now[0] += MINUTE;
		watched.record(new ListenQueue("tcp 127.0.0.1:3031", "tcp", 1, 2));
		assertThat(warnings()).as("a queue below its limit is not warned about").hasSize(2);
	}

	@Test
	void fullUnixSocketQueueSaysConnectionsAreRefused() {
		ListenQueueMonitor.Watched watched = new ListenQueueMonitor.Watched(
				ListenQueueMonitor.Listener.unix(java.nio.file.Path.of("/run/app/uwsgi.sock"), "uwsgi.backlog"),
				() -> null, () -> 0);
		watched.record(new ListenQueue("unix:/run/app/uwsgi.sock", "unix", 5, 4));
		assertThat(warnings()).singleElement()
			.asString()
			.startsWith("uwsgi listen queue of unix:/run/app/uwsgi.sock full (5/4): new connections are refused "
					+ "(nginx: 502, \"Resource temporarily unavailable\")");
	}

	@Test
	void queueThatCannotBeReadIsSaidOnceAndForgottenUntilItCanBeReadAgain() {
		ListenQueue[] next = { null };
		boolean[] fail = { true };
		ListenQueueMonitor.Watched watched = new ListenQueueMonitor.Watched(
				ListenQueueMonitor.Listener.tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 3031), 2,
						"uwsgi.backlog"),
				() -> {
					if (fail[0]) {
						throw new java.io.IOException("gone");
					}
					return next[0];
				}, () -> 0);
		watched.read();
		watched.read();
		assertThat(warnings()).singleElement().asString().contains("could not be read").contains("gone");
		assertThat(watched.latest.get()).isNull();
		fail[0] = false;
		next[0] = new ListenQueue("tcp 127.0.0.1:3031", "tcp", 1, 2);
		watched.read();
		assertThat(watched.latest.get()).isEqualTo(next[0]);
		fail[0] = true;
		watched.read();
		assertThat(warnings()).as("said again once it failed again").hasSize(2);
	}

	@Test
	void linesOfProcNetTcpParseAndOnlyListenersListen() {
		ProcNetSockets.TcpSocket listener = ProcNetSockets.TcpSocket
			.parse("   1: 0100007F:0BD7 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 4242 1");
		assertThat(listener.port()).isEqualTo(3031);
		assertThat(listener.receiveQueue()).isEqualTo(3);
		assertThat(listener.inode()).isEqualTo(4242);
		assertThat(listener.isListening()).isTrue();
		ProcNetSockets.TcpSocket connection = ProcNetSockets.TcpSocket
			.parse("   2: 0100007F:0BD7 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4243 1");
		assertThat(connection.isListening()).isFalse();
		assertThat(ProcNetSockets.TcpSocket.parse("0: 0100007F:0BD7 00000000:0000 0A 0:1 0:0 0 0 0 7").inode())
			.as("ten fields are enough")
			.isEqualTo(7);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ProcNetSockets.TcpSocket.parse("0: 0100007F:0BD7 00000000:0000 0A 0:1 0:0 0 0 0"))
			.withMessageStartingWith("Not a line of /proc/net/tcp");
	}

	@Test
	void ssLinesAreReadWithOrWithoutTheirNetidColumn() {
		assertThat(SsUnixQueues.parse("u_str LISTEN 7 1024 /run/a.sock 2222 * 0\n", 2222)).containsExactly(7, 1024);
		assertThat(SsUnixQueues.parse("LISTEN 7 1024 /run/a.sock 2222 * 0\n", 2222)).containsExactly(7, 1024);
		assertThat(SsUnixQueues.parse("u_str ESTAB 0 0 /run/a.sock 2222 * 3333\n", 2222)).isNull();
	}

	@Test
	void ssIsFoundWhereIproute2PutsIt() {
		assumeThat(SsUnixQueues.LOCATIONS.stream().anyMatch(Files::isExecutable)).as("iproute2 installed").isTrue();
		assertThat(SsUnixQueues.find()).isNotNull();
	}

	@Test
	void requestTimeoutIsLoggedAsAWarningOnItsOwnLogger() {
		UwsgiRequest request = UwsgiRequest
			.from(UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/slow").build());
		UwsgiRequestTimeout.of(Duration.ofSeconds(1)).log(request, "tcp", Duration.ofMillis(1003), false, null);
		assertThat(this.records).singleElement().satisfies((record) -> {
			assertThat(record.getLevel()).isEqualTo(Level.WARNING);
			assertThat(record.getLoggerName()).isEqualTo("uwsgi.timeout");
			assertThat(record.getMessage()).isEqualTo(
					"uwsgi request timed out after 1003 ms (request timeout 1000 ms): GET /slow from - over tcp; "
							+ "answered 504");
		});
	}

	private List<String> warnings() {
		return this.records.stream()
			.filter((record) -> record.getLevel() == Level.WARNING)
			.map(LogRecord::getMessage)
			.toList();
	}

}
