package io.github.uwsgispringboot.protocol;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

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

	/** The log both servers write to. */
	private static final UwsgiRefusalLog LOG = new UwsgiRefusalLog(System::nanoTime);

	private final LongSupplier clock;

	private final AtomicLong windowStart;

	private final AtomicLong linesInWindow = new AtomicLong();

	private final AtomicLong suppressed = new AtomicLong();

	/**
	 * Create a log whose seconds are told by {@code clock}.
	 * @param clock nanoseconds, as {@link System#nanoTime()}
	 */
	UwsgiRefusalLog(LongSupplier clock) {
		this.clock = clock;
		this.windowStart = new AtomicLong(clock.getAsLong() - SECOND);
	}

	/**
	 * Log a refusal: as a warning, or for a peer that merely went away, as information.
	 * @param peer the peer, as {@link UwsgiPeers#describe} tells it
	 * @param refusal what was refused and why
	 */
	public static void log(String peer, UwsgiProtocolException refusal) {
		LOG.write(peer, refusal);
	}

	/**
	 * Write a refusal's line, unless this second's lines are written already.
	 * @param peer the peer
	 * @param refusal what was refused and why
	 */
	void write(String peer, UwsgiProtocolException refusal) {
		boolean warning = refusal.reason() != UwsgiProtocolException.Reason.TRUNCATED_PACKET;
		Level level = warning ? Level.WARNING : Level.INFO;
		if (!logger.isLoggable(level) || !mayWrite()) {
			return;
		}
		long notLogged = this.suppressed.getAndSet(0);
		String more = (notLogged > 0) ? " (" + notLogged + " more refusals not logged)" : "";
		String what = warning ? "Refused uwsgi packet from " : "Closed uwsgi connection from ";
		logger.log(level, what + peer + ": " + refusal.getMessage() + more);
	}

	private boolean mayWrite() {
		long now = this.clock.getAsLong();
		long start = this.windowStart.get();
		if (now - start >= SECOND && this.windowStart.compareAndSet(start, now)) {
			this.linesInWindow.set(0);
		}
		if (this.linesInWindow.incrementAndGet() <= LINES_PER_SECOND) {
			return true;
		}
		this.suppressed.incrementAndGet();
		return false;
	}

}
