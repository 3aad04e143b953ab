package io.github.uwsgispringboot.protocol;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * The request timeout both servers apply, uWSGI's {@code harakiri}: a request whose response has
 * not ended that long after the request was read is cancelled.
 * <ul>
 * <li>If no byte of the response was sent, the peer gets a {@value #STATUS} and the application's
 * response, if it ever comes, is dropped.</li>
 * <li>If the response had started, the connection ends the way a failed response ends: reset over
 * TCP, so the proxy cuts its client's response short.</li>
 * <li>Streams (see {@link #isStream}) are timed to their first byte only: once their head is sent,
 * the clock stops.</li>
 * </ul>
 * Each timeout is logged by {@link #log}, one entry with the stack of the request's thread where
 * there is one, to the logger {@value #LOGGER_NAME}.
 */
public final class UwsgiRequestTimeout {

	/** Name of the logger timeouts are written to. */
	public static final String LOGGER_NAME = "uwsgi.timeout";

	/** The status of a request that timed out before its response started: Gateway Timeout. */
	public static final int STATUS = 504;

	/** No timeout. */
	public static final UwsgiRequestTimeout NONE = new UwsgiRequestTimeout(Duration.ZERO);

	private static final Logger logger = System.getLogger(LOGGER_NAME);

	private final Duration limit;

	private UwsgiRequestTimeout(Duration limit) {
		this.limit = limit;
	}

	/**
	 * Return the timeout of {@code limit}.
	 * @param limit how long a request may take, {@code null} or zero for no limit
	 * @return the timeout
	 */
	public static UwsgiRequestTimeout of(Duration limit) {
		if (limit == null || limit.isZero()) {
			return NONE;
		}
		if (limit.isNegative()) {
			throw new IllegalArgumentException("The request timeout must not be negative: " + limit);
		}
		return new UwsgiRequestTimeout(limit);
	}

	/**
	 * Return whether requests are timed at all.
	 * @return {@code false} for {@link #NONE}
	 */
	public boolean isEnabled() {
		return !this.limit.isZero();
	}

	/**
	 * Return how long a request may take.
	 * @return the limit, zero for none
	 */
	public Duration limit() {
		return this.limit;
	}

	/**
	 * Return the limit in nanoseconds.
	 * @return the limit, zero for none
	 */
	public long limitNanos() {
		return this.limit.toNanos();
	}

	/**
	 * Return whether a response is a stream, timed only until its head is sent: a protocol
	 * upgrade (WebSocket), server-sent events, or newline-delimited JSON.
	 * @param status the response's status
	 * @param contentType the response's {@code Content-Type}, or {@code null}
	 * @return {@code true} for a stream
	 */
	public static boolean isStream(int status, String contentType) {
		if (status == 101) {
			return true;
		}
		if (contentType == null) {
			return false;
		}
		String type = contentType.toLowerCase(Locale.ROOT);
		return type.startsWith("text/event-stream") || type.startsWith("application/x-ndjson");
	}

	/**
	 * Log a request that timed out: one entry, naming the request, its client and how long it
	 * ran, followed by where its thread was, if it has one.
	 * @param request the request
	 * @param transport {@code tcp} or {@code unix}
	 * @param elapsed how long it ran
	 * @param responseStarted whether part of the response had been sent
	 * @param thread the thread serving the request, or {@code null} when none does (an event loop
	 * server, or an asynchronous request waiting for its result)
	 */
	public void log(UwsgiRequest request, String transport, Duration elapsed, boolean responseStarted,
			Thread thread) {
		if (logger.isLoggable(Level.WARNING)) {
			logger.log(Level.WARNING, message(request, transport, elapsed, responseStarted, thread));
		}
	}

	String message(UwsgiRequest request, String transport, Duration elapsed, boolean responseStarted,
			Thread thread) {
		StringBuilder message = new StringBuilder(160);
		message.append("uwsgi request timed out after ")
			.append(elapsed.toMillis())
			.append(" ms (request timeout ")
			.append(this.limit.toMillis())
			.append(" ms): ")
			.append(request.method())
			.append(' ')
			.append(request.uri())
			.append(" from ")
			.append(client(request))
			.append(" over ")
			.append(transport)
			.append(responseStarted ? "; its response had started: the connection is cut"
					: "; answered " + STATUS);
		if (thread != null) {
			message.append("; thread \"").append(thread.getName()).append("\" was at:");
			for (StackTraceElement frame : thread.getStackTrace()) {
				message.append(System.lineSeparator()).append("\tat ").append(frame);
			}
		}
		return message.toString();
	}

	private static String client(UwsgiRequest request) {
		InetSocketAddress client = request.remoteAddress();
		return (client != null) ? client.getAddress().getHostAddress() : "-";
	}

	@Override
	public String toString() {
		return isEnabled() ? "request timeout " + this.limit : "no request timeout";
	}

}
