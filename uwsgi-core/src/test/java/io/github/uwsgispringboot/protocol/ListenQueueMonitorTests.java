package io.github.uwsgispringboot.protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link ListenQueueMonitor} on real listeners whose queues are filled: nothing accepts
 * them, and more clients connect than their backlog holds.
 */
@EnabledOnOs(OS.LINUX)
class ListenQueueMonitorTests {

	private final Logger logger = Logger.getLogger(ListenQueueMonitor.class.getName());

	private final List<LogRecord> records = new CopyOnWriteArrayList<>();

	private final Handler handler = new Handler() {

		@Override
		public void publish(LogRecord record) {
			ListenQueueMonitorTests.this.records.add(record);
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private final List<AutoCloseable> opened = new ArrayList<>();

	@TempDir
	Path temp;

	@BeforeEach
	void captureLog() {
		this.logger.addHandler(this.handler);
		this.logger.setUseParentHandlers(false);
		this.logger.setLevel(Level.ALL);
	}

	@AfterEach
	void close() throws Exception {
		this.logger.removeHandler(this.handler);
		this.logger.setUseParentHandlers(true);
		this.logger.setLevel(null);
		for (AutoCloseable closeable : this.opened) {
			closeable.close();
		}
	}

	@Test
	void fullTcpQueueIsReadAndWarnedOnceAMinute() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2);
		InetSocketAddress bound = (InetSocketAddress) listener.getLocalAddress();
		// the kernel queues one connection more than the backlog; the handshakes of the others are dropped
		connectWithoutWaiting(bound, 5);
		awaitTcpQueue(bound, 3);
		ListenQueueMonitor monitor = start(ListenQueueMonitor.Listener.tcp(bound, 2, "uwsgi.backlog"));
		String name = "tcp 127.0.0.1:" + bound.getPort();
		assertThat(monitor.transports()).containsExactly("tcp");
		assertThat(monitor.latest("tcp")).isEqualTo(new ListenQueue(name, "tcp", 3, 2));
		assertThat(monitor.latest()).containsExactly(new ListenQueue(name, "tcp", 3, 2));
		assertThat(warnings()).singleElement()
			.asString()
			.contains("uwsgi listen queue of " + name + " full (3/2)")
			.contains("Raise uwsgi.backlog and net.core.somaxconn (now " + ListenBacklog.somaxconn() + ")")
			.contains("add capacity");
		Thread.sleep(ListenQueueMonitor.TCP_READ_SECONDS * 2500L);
		assertThat(warnings()).as("still full, read again, not warned again within a minute").hasSize(1);
	}

	@Test
	void tcpQueueIsReadAgainAsItEmpties() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
		InetSocketAddress bound = (InetSocketAddress) listener.getLocalAddress();
		connectWithoutWaiting(bound, 2);
		awaitTcpQueue(bound, 2);
		ListenQueueMonitor monitor = start(ListenQueueMonitor.Listener.tcp(bound, 8, "uwsgi.backlog"));
		assertThat(monitor.latest("tcp").length()).isEqualTo(2);
		this.opened.add(listener.accept());
		this.opened.add(listener.accept());
		long deadline = System.nanoTime() + 5_000_000_000L;
		while (monitor.latest("tcp").length() != 0 && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
		assertThat(monitor.latest("tcp").length()).isZero();
		assertThat(warnings()).isEmpty();
	}

	@Test
	void fullUnixSocketQueueIsReadWithSs() throws Exception {
		assumeThat(SsUnixQueues.find()).as("ss from iproute2 installed").isNotNull();
		Path path = this.temp.resolve("full.sock");
		listen(UnixDomainSocketAddress.of(path), 2);
		connectWithoutWaiting(UnixDomainSocketAddress.of(path), 3);
		ListenQueueMonitor monitor = start(ListenQueueMonitor.Listener.unix(path, "uwsgi.backlog"));
		assertThat(monitor.latest("unix")).isEqualTo(new ListenQueue("unix:" + path, "unix", 3, 2));
		assertThat(warnings()).singleElement()
			.asString()
			.contains("uwsgi listen queue of unix:" + path + " full (3/2)")
			.contains("new connections are refused");
	}

	@Test
	void unixSocketWithoutSsIsNotWatchedAndSaysWhy() throws Exception {
		Path path = this.temp.resolve("unread.sock");
		listen(UnixDomainSocketAddress.of(path), 2);
		ListenQueueMonitor monitor = ListenQueueMonitor.start(List.of(ListenQueueMonitor.Listener.unix(path, "x")),
				new ProcNetSockets(ProcNetSockets.PROC_NET, ProcNetSockets.FDS), null, System::nanoTime);
		this.opened.add(monitor);
		assertThat(monitor.transports()).isEmpty();
		assertThat(monitor.latest("unix")).isNull();
		assertThat(messages(Level.INFO)).singleElement()
			.asString()
			.contains("uwsgi listen queue of unix:" + path + " is not measured")
			.contains("ss from iproute2");
	}

	@Test
	void withoutProcNothingIsWatchedAndOneLineSaysWhy() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2);
		ListenQueueMonitor monitor = ListenQueueMonitor.start(
				List.of(ListenQueueMonitor.Listener.tcp((InetSocketAddress) listener.getLocalAddress(), 2, "x")),
				new ProcNetSockets(this.temp.resolve("no-proc"), this.temp), SsUnixQueues.find(), System::nanoTime);
		this.opened.add(monitor);
		assertThat(monitor.transports()).isEmpty();
		assertThat(messages(Level.INFO)).singleElement().asString().contains("not Linux, or no /proc");
	}

	@Test
	void listenerOfAnotherAddressIsNotWatchedAndSaysWhy() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2);
		int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
		listener.close();
		ListenQueueMonitor monitor = start(ListenQueueMonitor.Listener
			.tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2, "uwsgi.backlog"));
		assertThat(monitor.transports()).isEmpty();
		assertThat(messages(Level.INFO)).singleElement()
			.asString()
			.contains("no listening socket of this process is bound to 127.0.0.1:" + port);
	}

	@Test
	void closedMonitorStopsItsThreadAndForgetsItsReads() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2);
		ListenQueueMonitor monitor = start(
				ListenQueueMonitor.Listener.tcp((InetSocketAddress) listener.getLocalAddress(), 2, "uwsgi.backlog"));
		assertThat(readerThreads()).isPositive();
		monitor.close();
		assertThat(monitor.latest()).isEmpty();
		assertThat(monitor.latest("tcp")).isNull();
		assertThat(readerThreads()).isZero();
	}

	private ListenQueueMonitor start(ListenQueueMonitor.Listener listener) {
		ListenQueueMonitor monitor = ListenQueueMonitor.start(List.of(listener));
		this.opened.add(monitor);
		return monitor;
	}

	private static long readerThreads() {
		return Thread.getAllStackTraces().keySet().stream()
			.filter((thread) -> thread.getName().equals("uwsgi-listen-queue") && thread.isAlive())
			.count();
	}

	private List<String> warnings() {
		return messages(Level.WARNING);
	}

	private List<String> messages(Level level) {
		return this.records.stream().filter((record) -> record.getLevel() == level).map(LogRecord::getMessage).toList();
	}

	private ServerSocketChannel listen(SocketAddress address, int backlog) throws IOException {
		ServerSocketChannel listener = (address instanceof UnixDomainSocketAddress)
				? ServerSocketChannel.open(StandardProtocolFamily.UNIX) : ServerSocketChannel.open();
		this.opened.add(listener);
		listener.bind(address, backlog);
		return listener;
	}

	/** Connect without blocking: a connection beyond a full queue would wait for the kernel's retries. */
	private void connectWithoutWaiting(SocketAddress address, int count) throws IOException {
		for (int i = 0; i < count; i++) {
			SocketChannel client = (address instanceof UnixDomainSocketAddress)
					? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
			this.opened.add(client);
			client.configureBlocking(false);
			try {
				client.connect(address);
			}
			catch (IOException ex) {
				// a unix socket refuses at once what its full queue cannot take
			}
		}
	}

	private static void awaitTcpQueue(InetSocketAddress bound, int length) throws Exception {
		ProcNetSockets sockets = new ProcNetSockets(ProcNetSockets.PROC_NET, ProcNetSockets.FDS);
		ProcNetSockets.TcpListener listener = sockets.tcpListener(bound);
		long deadline = System.nanoTime() + 5_000_000_000L;
		while (sockets.acceptQueue(listener) < length && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(sockets.acceptQueue(listener)).as("connections queued").isEqualTo(length);
	}

}
