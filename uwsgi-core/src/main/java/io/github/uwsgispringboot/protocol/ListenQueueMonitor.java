package io.github.uwsgispringboot.protocol;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Reads the accept queues of a server's listeners from the kernel, at a fixed interval on a
 * thread of its own, never on a request's path, and warns when one is full, as uWSGI's
 * "listen queue of socket ... full" does. Both servers use it; meters and the health indicator
 * show what it read last.
 * <table>
 * <caption>How each queue is read</caption>
 * <tr><th>Transport</th><th>Source</th><th>Every</th><th>Cost of a read</th></tr>
 * <tr><td>tcp</td><td>{@code /proc/self/net/tcp} or {@code tcp6}, the one that lists the listener,
 * up to the listener's line (the kernel lists listeners first); the limit is the backlog the server asked for, capped by
 * {@code net.core.somaxconn}</td><td>{@value #TCP_READ_SECONDS} s</td><td>1 to 5 ms, most of
 * it the kernel walking its listening hash table</td></tr>
 * <tr><td>unix</td><td>{@code ss -x -l -n src PATH} from iproute2 (netlink {@code sock_diag}, which
 * the JDK cannot open): length and limit</td><td>{@value #UNIX_READ_SECONDS} s</td><td>a process
 * started: about 3 ms</td></tr>
 * </table>
 * A listener whose queue cannot be read (not Linux, no {@code ss}) is not watched, and one line
 * at start says why.
 * <p>
 * A full queue is logged at once, then at most once every {@value #WARNING_INTERVAL_SECONDS} s per
 * listener, with how many reads found it full in between.
 */
public final class ListenQueueMonitor implements AutoCloseable {

	/** Seconds between two reads of a TCP listener's queue. */
	public static final int TCP_READ_SECONDS = 1;

	/** Seconds between two reads of a unix socket listener's queue: each starts a process. */
	public static final int UNIX_READ_SECONDS = 5;

	/** Seconds a listener's full-queue warning stays quiet after it was written. */
	public static final int WARNING_INTERVAL_SECONDS = 60;

	private static final Logger logger = System.getLogger(ListenQueueMonitor.class.getName());

	private static final long NEVER = Long.MIN_VALUE;

	private final List<Watched> watched;

	private final ScheduledExecutorService reads;

	private ListenQueueMonitor(List<Watched> watched) {
		this.watched = List.copyOf(watched);
		if (watched.isEmpty()) {
			this.reads = null;
			return;
		}
		ScheduledThreadPoolExecutor reads = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "uwsgi-listen-queue");
			thread.setDaemon(true);
			return thread;
		});
		reads.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		for (Watched listener : this.watched) {
			long interval = listener.listener.transport().equals(UwsgiExchange.UNIX) ? UNIX_READ_SECONDS
					: TCP_READ_SECONDS;
			reads.scheduleWithFixedDelay(listener::read, interval, interval, TimeUnit.SECONDS);
		}
		this.reads = reads;
	}

	/**
	 * Find the listeners' sockets, read their queues a first time and go on reading them.
	 * @param listeners the server's listeners, bound and listening
	 * @return the monitor; close it when the listeners close
	 */
	public static ListenQueueMonitor start(List<Listener> listeners) {
		return start(listeners, new ProcNetSockets(ProcNetSockets.PROC_NET, ProcNetSockets.FDS), SsUnixQueues.find(),
				System::nanoTime);
	}

	static ListenQueueMonitor start(List<Listener> listeners, ProcNetSockets sockets, SsUnixQueues ss,
			LongSupplier clock) {
		List<Watched> watched = new ArrayList<>();
		for (Listener listener : listeners) {
			String unreadable;
			try {
				QueueReader reader = reader(listener, sockets, ss);
				ListenQueue first = reader.read();
				unreadable = (first != null) ? null : "the listener was not found";
				if (first != null) {
					Watched watching = new Watched(listener, reader, clock);
					watching.record(first);
					watched.add(watching);
				}
			}
			catch (Unreadable ex) {
				unreadable = ex.getMessage();
			}
			catch (IOException | RuntimeException ex) {
				unreadable = ex.toString();
			}
			if (unreadable != null) {
				logger.log(Level.INFO, "uwsgi listen queue of " + listener.name() + " is not measured (no meter, no "
						+ "health detail): " + unreadable);
			}
		}
		return new ListenQueueMonitor(watched);
	}

	private static QueueReader reader(Listener listener, ProcNetSockets sockets, SsUnixQueues ss) throws IOException {
		if (!sockets.isReadable()) {
			throw new Unreadable("the kernel's socket tables are not readable at " + ProcNetSockets.PROC_NET
					+ " (not Linux, or no /proc)");
		}
		if (listener.transport().equals(UwsgiExchange.TCP)) {
			ProcNetSockets.TcpListener socket = sockets.tcpListener(listener.tcpAddress());
			if (socket == null) {
				throw new Unreadable("no listening socket of this process is bound to "
						+ listener.tcpAddress().getAddress().getHostAddress() + ":" + listener.tcpAddress().getPort()
						+ " in /proc/self/net/tcp or tcp6");
			}
			return () -> {
				int length = sockets.acceptQueue(socket);
				return (length >= 0)
						? new ListenQueue(listener.name(), UwsgiExchange.TCP, length, listener.limit()) : null;
			};
		}
		if (ss == null) {
			throw new Unreadable("Linux tells a unix socket's queue only over netlink (sock_diag), which the JDK "
					+ "cannot open, and ss from iproute2, which asks it, is not installed (looked for "
					+ SsUnixQueues.LOCATIONS + ")");
		}
		long inode = sockets.unixListener(listener.unixSocketPath());
		if (inode < 0) {
			throw new Unreadable("no listening socket of this process is bound to " + listener.unixSocketPath()
					+ " in /proc/self/net/unix");
		}
		return () -> {
			int[] queue = ss.read(inode, listener.unixSocketPath());
			return (queue != null) ? new ListenQueue(listener.name(), UwsgiExchange.UNIX, queue[0], queue[1]) : null;
		};
	}

	/**
	 * Return what was read last of each listener watched.
	 * @return the queues, TCP first; empty once closed
	 */
	public List<ListenQueue> latest() {
		List<ListenQueue> latest = new ArrayList<>(this.watched.size());
		for (Watched listener : this.watched) {
			ListenQueue queue = listener.latest.get();
			if (queue != null) {
				latest.add(queue);
			}
		}
		return latest;
	}

	/**
	 * Return what was read last of the listener of a transport.
	 * @param transport {@code tcp} or {@code unix}
	 * @return the queue, or {@code null} when that listener is not watched, its last read failed,
	 * or the monitor is closed
	 */
	public ListenQueue latest(String transport) {
		for (Watched listener : this.watched) {
			if (listener.listener.transport().equals(transport)) {
				return listener.latest.get();
			}
		}
		return null;
	}

	/**
	 * Return the transports whose listener is watched.
	 * @return {@code tcp}, {@code unix}, both or none
	 */
	public List<String> transports() {
		return this.watched.stream().map((listener) -> listener.listener.transport()).toList();
	}

	/**
	 * Stop reading, and wait for a read under way to end.
	 */
	@Override
	public void close() {
		if (this.reads != null) {
			this.reads.shutdownNow();
			try {
				this.reads.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.watched.forEach((listener) -> listener.latest.set(null));
	}

	/**
	 * A listener whose queue to watch.
	 *
	 * @param transport {@code tcp} or {@code unix}
	 * @param name how log lines name it
	 * @param tcpAddress the bound address of a TCP listener
	 * @param unixSocketPath the path a unix socket listener was bound to, as given to {@code bind()}
	 * @param limit a TCP listener's queue limit; a unix socket's is read with its length
	 * @param backlogSetting what sets the backlog, for the full-queue warning
	 */
	public record Listener(String transport, String name, InetSocketAddress tcpAddress, Path unixSocketPath, int limit,
			String backlogSetting) {

		/**
		 * Check the listener.
		 */
		public Listener {
			Objects.requireNonNull(transport, "transport");
			Objects.requireNonNull(backlogSetting, "backlogSetting");
		}

		/**
		 * Return a TCP listener.
		 * @param address its bound address and port
		 * @param limit the queue's limit: the backlog asked for, capped by {@code somaxconn}
		 * @param backlogSetting what sets the backlog ({@code uwsgi.backlog})
		 * @return the listener
		 */
		public static Listener tcp(InetSocketAddress address, int limit, String backlogSetting) {
			return new Listener(UwsgiExchange.TCP,
					"tcp " + address.getAddress().getHostAddress() + ":" + address.getPort(), address, null, limit,
					backlogSetting);
		}

		/**
		 * Return a unix socket listener.
		 * @param path the path it was bound to
		 * @param backlogSetting what sets the backlog ({@code uwsgi.backlog})
		 * @return the listener
		 */
		public static Listener unix(Path path, String backlogSetting) {
			return new Listener(UwsgiExchange.UNIX, "unix:" + path, null, path, -1, backlogSetting);
		}

	}

	@FunctionalInterface
	interface QueueReader {

		ListenQueue read() throws IOException;

	}

	/** Why a listener's queue cannot be read, said once at start. */
	private static final class Unreadable extends IOException {

		Unreadable(String message) {
			super(message);
		}

	}

	/** A listener watched: its reader, what it read last, and its warning's rate limit. */
	static final class Watched {

		private final Listener listener;

		private final QueueReader reader;

		private final LongSupplier clock;

		final AtomicReference<ListenQueue> latest = new AtomicReference<>();

		private long lastWarning = NEVER;

		private long fullSinceWarning;

		private boolean failing;

		Watched(Listener listener, QueueReader reader, LongSupplier clock) {
			this.listener = listener;
			this.reader = reader;
			this.clock = clock;
		}

		/** Read the queue: on the monitor's thread only, after the first read on the starting one. */
		void read() {
			try {
				record(this.reader.read());
				this.failing = false;
			}
			catch (IOException | RuntimeException ex) {
				this.latest.set(null);
				if (!this.failing) {
					logger.log(Level.WARNING, "uwsgi listen queue of " + this.listener.name()
							+ " could not be read; trying again every read: " + ex);
				}
				this.failing = true;
			}
		}

		void record(ListenQueue queue) {
			this.latest.set(queue);
			if (queue != null && queue.isFull()) {
				warnFull(queue);
			}
		}

		private void warnFull(ListenQueue queue) {
			long now = this.clock.getAsLong();
			if (this.lastWarning != NEVER && now - this.lastWarning < TimeUnit.SECONDS.toNanos(WARNING_INTERVAL_SECONDS)) {
				this.fullSinceWarning++;
				return;
			}
			String more = (this.fullSinceWarning > 0)
					? " (found full " + this.fullSinceWarning + " more time(s) since the last warning)" : "";
			this.lastWarning = now;
			this.fullSinceWarning = 0;
			String turnedAway = queue.transport().equals(UwsgiExchange.UNIX)
					? "new connections are refused (nginx: 502, \"Resource temporarily unavailable\")"
					: "the kernel drops new connections' handshakes, which clients retry after a second or more";
			int somaxconn = ListenBacklog.somaxconn();
			logger.log(Level.WARNING, "uwsgi listen queue of " + queue.listener() + " full (" + queue.length() + "/"
					+ queue.limit() + "): " + turnedAway + ". Raise " + this.listener.backlogSetting()
					+ " and net.core.somaxconn" + ((somaxconn >= 0) ? " (now " + somaxconn + ")" : "")
					+ ", or add capacity: more instances, a higher uwsgi.max-connections if it is reached, faster "
					+ "handlers" + more);
		}

	}

}
