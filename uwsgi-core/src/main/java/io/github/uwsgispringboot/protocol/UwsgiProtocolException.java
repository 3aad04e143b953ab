package io.github.uwsgispringboot.protocol;

import java.time.Duration;

/**
 * A uwsgi packet or connection that the server refuses, with the {@link Reason} it was refused for.
 * Both servers refuse the same input for the same reason, with the same outcome.
 */
public class UwsgiProtocolException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final Reason reason;

	/**
	 * Create an exception for a refused packet.
	 * @param reason why the packet was refused
	 * @param detail what exactly was wrong, for the log
	 */
	public UwsgiProtocolException(Reason reason, String detail) {
		super(reason.description() + ": " + detail);
		this.reason = reason;
	}

	/**
	 * Refuse a connection that ended inside the header or the vars.
	 * @param received the bytes of the packet received, its header included
	 * @return the refusal
	 */
	public static UwsgiProtocolException truncated(long received) {
		return new UwsgiProtocolException(Reason.TRUNCATED_PACKET,
				received + " bytes received, header or vars incomplete");
	}

	/**
	 * Refuse a connection whose header and vars did not arrive within the header timeout.
	 * @param timeout the header timeout
	 * @param received the bytes of the packet received, its header included
	 * @return the refusal
	 */
	public static UwsgiProtocolException headerTimeout(Duration timeout, long received) {
		return new UwsgiProtocolException(Reason.HEADER_TIMEOUT,
				timeout.toMillis() + " ms passed, " + received + " bytes received");
	}

	/**
	 * Refuse a connection whose request body stalled for longer than the body idle timeout.
	 * @param timeout the body idle timeout
	 * @param missing the bytes of the declared body that did not arrive
	 * @return the refusal
	 */
	public static UwsgiProtocolException bodyTimeout(Duration timeout, long missing) {
		return new UwsgiProtocolException(Reason.BODY_TIMEOUT,
				"no body bytes for " + timeout.toMillis() + " ms, " + missing + " bytes missing");
	}

	/**
	 * Return why the packet was refused.
	 * @return the reason
	 */
	public Reason reason() {
		return this.reason;
	}

	/**
	 * Why a packet was refused. Each reason names its outcome: a {@code 400} (or {@code 431})
	 * response where the packet was understood well enough to answer, a close otherwise.
	 */
	public enum Reason {

		/** The connection ended inside the header or the vars block: closed. */
		TRUNCATED_PACKET("connection closed before the packet was complete", 0),

		/** modifier1 is neither 0 (HTTP) nor 100 (ping): closed without a response, as uWSGI does. */
		UNSUPPORTED_MODIFIER("unsupported modifier1", 0),

		/** The bytes are a plain HTTP request, not a uwsgi packet: answered 400 with a hint. */
		HTTP_ON_UWSGI_PORT("plain HTTP sent to the uwsgi port (use uwsgi_pass, not proxy_pass)", 400),

		/** The vars block is larger than the configured maximum: answered 431. */
		VARS_TOO_LARGE("vars block larger than the configured maximum", 431),

		/** More vars than the configured maximum: answered 431. */
		TOO_MANY_VARS("more vars than the configured maximum", 431),

		/** {@code CONTENT_LENGTH} larger than the configured maximum: answered 413, the body unread. */
		BODY_TOO_LARGE("CONTENT_LENGTH larger than the configured maximum", 413),

		/** The header and vars did not arrive in full within the deadline: closed. */
		HEADER_TIMEOUT("header and vars not received within the deadline", 0),

		/** No byte of the request body arrived for longer than the idle timeout: closed. */
		BODY_TIMEOUT("request body stalled longer than the idle timeout", 0),

		/** A var's lengths run past the block, or the block ends inside a var: answered 400. */
		MALFORMED_VARS("malformed vars block", 400),

		/** A var with an empty name: answered 400. */
		EMPTY_VAR_NAME("var with an empty name", 400),

		/** {@code REQUEST_METHOD} is missing or not an HTTP token: answered 400. */
		INVALID_REQUEST_METHOD("missing or invalid REQUEST_METHOD", 400),

		/** {@code REQUEST_URI} (or {@code PATH_INFO}) holds a space or a control character: answered 400. */
		INVALID_REQUEST_URI("invalid REQUEST_URI", 400),

		/**
		 * A chunked body ({@code HTTP_TRANSFER_ENCODING}) without {@code CONTENT_LENGTH}: the uwsgi
		 * protocol has no framing for it (nginx de-chunks and sends the length; the uWSGI router
		 * drops such bodies). Answered 411 rather than served with the body silently lost.
		 */
		LENGTH_REQUIRED("chunked body without CONTENT_LENGTH", 411),

		/** {@code CONTENT_LENGTH} is not a non-negative decimal number: answered 400. */
		INVALID_CONTENT_LENGTH("invalid CONTENT_LENGTH", 400),

		/** The peer's address is not among the allowed client networks: answered 403. */
		CLIENT_NOT_ALLOWED("client address not allowed", 403),

		/** The shared secret var is missing or wrong: answered 403. */
		SECRET_MISMATCH("missing or wrong shared secret", 403),

		/** An {@code HTTP_*} var cannot be a header (bad name, or CR, LF or NUL in it): answered 400. */
		INVALID_HEADER("var that cannot be an HTTP header", 400);

		private final String description;

		private final int status;

		Reason(String description, int status) {
			this.description = description;
			this.status = status;
		}

		/**
		 * Return a short description for log lines.
		 * @return the description
		 */
		public String description() {
			return this.description;
		}

		/**
		 * Return whether the peer gets an HTTP error response before the connection is closed.
		 * @return {@code true} when answered, {@code false} when only closed
		 */
		public boolean answered() {
			return this.status != 0;
		}

		/**
		 * Return the HTTP status the peer is answered with.
		 * @return 400, 403, 411, 413 or 431, or 0 when the connection is only closed
		 */
		public int status() {
			return this.status;
		}

		/**
		 * Return the reason phrase of the {@link #status()}, as RFC 9110 names it: both servers
		 * write the same status line.
		 * @return the reason phrase, empty when the connection is only closed
		 */
		public String reasonPhrase() {
			return switch (this.status) {
				case 400 -> "Bad Request";
				case 403 -> "Forbidden";
				case 411 -> "Length Required";
				case 413 -> "Content Too Large";
				case 431 -> "Request Header Fields Too Large";
				default -> "";
			};
		}

	}

}
