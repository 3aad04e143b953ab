package io.github.uwsgispringboot.protocol;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Writes one line per refused packet or connection, at most {@value #LINES_PER_SECOND} a second
 * for the whole server, so that a flood of bad input cannot fill the disk: past that, refusals are
 * counted and the next line that is written says how many were not.
 * <p>
 * Both servers log through this class, so a refusal reads the same whichever server refused it.
 * It logs through {@link System.Logger}, which Spring Boot and Tomcat route to their logging.
 */
public final class UwsgiRefusalLog {

	/** The most lines written in one second. */
	static final int LINES_PER_SECOND = 10;

	private static final Logger logger = System.getLogger(UwsgiRefusalLog.class.getName());

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private static final AtomicLong windowStart = new AtomicLong(System.nanoTime());

	private static final AtomicLong linesInWindow = new AtomicLong();

	private static final AtomicLong suppressed = new AtomicLong();

	private UwsgiRefusalLog() {
	}

	/**
	 * Log a refusal: as a warning, or for a peer that merely went away, as information.
	 * @param peer the peer, as {@link UwsgiPeers#describe} tells it
	 * @param refusal what was refused and why
	 */
	public static void log(String peer, UwsgiProtocolException refusal) {
		boolean warning = refusal.reason() != UwsgiProtocolException.Reason.TRUNCATED_PACKET;
		Level level = warning ? Level.WARNING : Level.INFO;
		if (!logger.isLoggable(level) || !mayWrite()) {
			return;
		}
		long notLogged = suppressed.getAndSet(0);
		String more = (notLogged > 0) ? " (" + notLogged + " more refusals not logged)" : "";
		String what = warning ? "Refused uwsgi packet from " : "Closed uwsgi connection from ";
		logger.log(level, what + peer + ": " + refusal.getMessage() + more);
	}

	private static boolean mayWrite() {
		long now = System.nanoTime();
		long start = windowStart.get();
		if (now - start >= SECOND && windowStart.compareAndSet(start, now)) {
			linesInWindow.set(0);
		}
		if (linesInWindow.incrementAndGet() <= LINES_PER_SECOND) {
			return true;
		}
		suppressed.incrementAndGet();
		return false;
	}

}
