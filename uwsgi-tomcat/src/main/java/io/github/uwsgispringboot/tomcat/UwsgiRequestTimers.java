package io.github.uwsgispringboot.tomcat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

import io.github.uwsgispringboot.protocol.UwsgiRequestTimeout;

/**
 * The requests of one connector that are timed against its request timeout, looked at on Tomcat's
 * utility executor often enough for a timeout to hold within a tenth of itself: a request past its
 * deadline is timed out by its processor ({@link UwsgiProcessor#timeOut()}), on that executor's
 * thread, while the request's own thread may still be in the application.
 */
final class UwsgiRequestTimers {

	private static final Log log = LogFactory.getLog(UwsgiRequestTimers.class);

	/** The most often the requests are looked at, in milliseconds. */
	private static final long MIN_CHECK_MILLIS = 10;

	private final Set<Timed> timed = ConcurrentHashMap.newKeySet();

	private ScheduledFuture<?> checks;

	/**
	 * Start looking at the timed requests.
	 * @param timeout the request timeout
	 * @param executor Tomcat's utility executor
	 */
	synchronized void start(UwsgiRequestTimeout timeout, ScheduledExecutorService executor) {
		if (!timeout.isEnabled() || this.checks != null) {
			return;
		}
		long interval = Math.max(MIN_CHECK_MILLIS, Math.min(1000, timeout.limit().toMillis() / 10));
		this.checks = executor.scheduleWithFixedDelay(this::check, interval, interval, TimeUnit.MILLISECONDS);
	}

	synchronized void stop() {
		if (this.checks != null) {
			this.checks.cancel(false);
			this.checks = null;
		}
	}

	/**
	 * Time a request.
	 * @param processor the request's processor
	 * @param deadlineNanos when it times out, by {@code System.nanoTime()}
	 * @return the request's timer, to {@link #remove} when the request ends in time
	 */
	Timed add(UwsgiProcessor processor, long deadlineNanos) {
		Timed request = new Timed(processor, deadlineNanos);
		this.timed.add(request);
		return request;
	}

	void remove(Timed request) {
		this.timed.remove(request);
	}

	private void check() {
		long now = System.nanoTime();
		for (Timed request : this.timed) {
			if (now - request.deadlineNanos >= 0 && this.timed.remove(request)) {
				try {
					request.processor.timeOut(request);
				}
				catch (RuntimeException ex) {
					log.warn("Could not time out a uwsgi request", ex);
				}
			}
		}
	}

	/**
	 * One request's timer: a processor serves many requests, one after the other, and the timer of
	 * one must never time out the next.
	 */
	static final class Timed {

		private final UwsgiProcessor processor;

		private final long deadlineNanos;

		private Timed(UwsgiProcessor processor, long deadlineNanos) {
			this.processor = processor;
			this.deadlineNanos = deadlineNanos;
		}

	}

}
