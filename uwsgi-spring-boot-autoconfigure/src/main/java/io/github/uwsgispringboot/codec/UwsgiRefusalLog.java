package io.github.uwsgispringboot.codec;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.Channel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * Writes one line per refused packet or connection, at most {@value #LINES_PER_SECOND} a second
 * for the whole server, so that a flood of bad input cannot fill the disk: past that, refusals are
 * counted and the next line that is written says how many were not.
 */
public final class UwsgiRefusalLog {

	/** The most lines written in one second. */
	static final int LINES_PER_SECOND = 10;

	private static final InternalLogger logger = InternalLoggerFactory.getInstance(UwsgiRefusalLog.class);

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private static final AtomicLong windowStart = new AtomicLong(System.nanoTime());

	private static final AtomicLong linesInWindow = new AtomicLong();

	private static final AtomicLong suppressed = new AtomicLong();

	private UwsgiRefusalLog() {
	}

	/**
	 * Log a refusal: as a warning, or for a peer that merely went away, as information.
	 * @param channel the connection
	 * @param refusal what was refused and why
	 */
	public static void log(Channel channel, UwsgiDecoderException refusal) {
		boolean warning = refusal.reason() != UwsgiDecoderException.Reason.TRUNCATED_PACKET;
		if (!(warning ? logger.isWarnEnabled() : logger.isInfoEnabled()) || !mayWrite()) {
			return;
		}
		long notLogged = suppressed.getAndSet(0);
		String more = (notLogged > 0) ? " (" + notLogged + " more refusals not logged)" : "";
		String peer = UwsgiRequestDecoder.peer(channel);
		if (warning) {
			logger.warn("Refused uwsgi packet from {}: {}{}", peer, refusal.getMessage(), more);
		}
		else {
			logger.info("Closed uwsgi connection from {}: {}{}", peer, refusal.getMessage(), more);
		}
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
