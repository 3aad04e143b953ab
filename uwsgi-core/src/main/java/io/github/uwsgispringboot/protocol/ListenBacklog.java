package io.github.uwsgispringboot.protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The listen backlog of the uwsgi listeners, the same on both servers: how many connections the
 * kernel queues, complete, for the server to accept. Linux caps what {@code listen()} asks for at
 * {@code net.core.somaxconn} (4096 since Linux 5.4, 128 before), so the queue's limit is the
 * smaller of the two; the kernel then queues one connection more than the limit before it turns
 * connections away.
 */
public final class ListenBacklog {

	/**
	 * The backlog both servers ask for unless told otherwise: ten times uWSGI's and Tomcat's 100,
	 * which a burst or a restart fills, and below {@code somaxconn} on current kernels.
	 */
	public static final int DEFAULT = 1024;

	/** Where Linux tells the cap of every listen backlog. */
	static final Path SOMAXCONN = Path.of("/proc/sys/net/core/somaxconn");

	private static final Logger logger = System.getLogger(ListenBacklog.class.getName());

	private ListenBacklog() {
	}

	/**
	 * Return the kernel's cap of listen backlogs, read now.
	 * @return {@code net.core.somaxconn}, or -1 where it cannot be read (not Linux)
	 */
	public static int somaxconn() {
		return somaxconn(SOMAXCONN);
	}

	static int somaxconn(Path file) {
		// read by line: Files.readString trusts the size /proc reports, 0, and returns "4" of
		// "4096" on JDK 17
		try (BufferedReader reader = Files.newBufferedReader(file)) {
			String line = reader.readLine();
			return (line != null) ? Integer.parseInt(line.trim()) : -1;
		}
		catch (IOException | NumberFormatException ex) {
			return -1;
		}
	}

	/**
	 * Return the limit of the accept queue of a listener that asks for {@code backlog}, and warn
	 * when {@code somaxconn} caps it.
	 * @param backlog the backlog asked for
	 * @param setting what sets the backlog, for the warning ({@code uwsgi.backlog=2048})
	 * @return the limit the kernel keeps to
	 */
	public static int limit(int backlog, String setting) {
		int somaxconn = somaxconn();
		int limit = limit(backlog, somaxconn);
		if (limit < backlog) {
			logger.log(Level.WARNING, setting + " is capped by the kernel's net.core.somaxconn=" + somaxconn
					+ ": the uwsgi listen queue holds " + limit + " connections. Raise net.core.somaxconn (sysctl "
					+ "net.core.somaxconn=" + backlog + ", in /etc/sysctl.d/ to keep it) to use the backlog asked for.");
		}
		return limit;
	}

	/**
	 * Return the smaller of a backlog and the kernel's cap, as {@code listen()} does.
	 * @param backlog the backlog asked for
	 * @param somaxconn the cap, or -1 when unknown
	 * @return the limit
	 */
	static int limit(int backlog, int somaxconn) {
		return (somaxconn >= 0) ? Math.min(backlog, somaxconn) : backlog;
	}

}
