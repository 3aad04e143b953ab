package io.github.uwsgispringboot.codec;

import io.netty.handler.codec.DecoderException;

/**
 * A uwsgi packet that this server refuses, with the {@link Reason} it was refused for.
 */
public class UwsgiDecoderException extends DecoderException {

	private static final long serialVersionUID = 1L;

	private final Reason reason;

	/**
	 * Create an exception for a refused packet.
	 * @param reason why the packet was refused
	 * @param detail what exactly was wrong, for the log
	 */
	public UwsgiDecoderException(Reason reason, String detail) {
		super(reason.description() + ": " + detail);
		this.reason = reason;
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
		TRUNCATED_PACKET("connection closed before the packet was complete", false),

		/** modifier1 is neither 0 (HTTP) nor 100 (ping): closed without a response, as uWSGI does. */
		UNSUPPORTED_MODIFIER("unsupported modifier1", false),

		/** The bytes are a plain HTTP request, not a uwsgi packet: answered 400 with a hint. */
		HTTP_ON_UWSGI_PORT("plain HTTP sent to the uwsgi port (use uwsgi_pass, not proxy_pass)", true),

		/** The vars block is larger than the configured maximum: answered 431. */
		VARS_TOO_LARGE("vars block larger than the configured maximum", true),

		/** More vars than the configured maximum: answered 431. */
		TOO_MANY_VARS("more vars than the configured maximum", true),

		/** {@code CONTENT_LENGTH} larger than the configured maximum: answered 413, the body unread. */
		BODY_TOO_LARGE("CONTENT_LENGTH larger than the configured maximum", true),

		/** The header and vars did not arrive in full within the deadline: closed. */
		HEADER_TIMEOUT("header and vars not received within the deadline", false),

		/** No byte of the request body arrived for longer than the idle timeout: closed. */
		BODY_TIMEOUT("request body stalled longer than the idle timeout", false),

		/** A var's lengths run past the block, or the block ends inside a var: answered 400. */
		MALFORMED_VARS("malformed vars block", true),

		/** A var with an empty name: answered 400. */
		EMPTY_VAR_NAME("var with an empty name", true),

		/** {@code REQUEST_METHOD} is missing or not an HTTP token: answered 400. */
		INVALID_REQUEST_METHOD("missing or invalid REQUEST_METHOD", true),

		/** {@code REQUEST_URI} (or {@code PATH_INFO}) holds a space or a control character: answered 400. */
		INVALID_REQUEST_URI("invalid REQUEST_URI", true),

		/**
		 * A chunked body ({@code HTTP_TRANSFER_ENCODING}) without {@code CONTENT_LENGTH}: the uwsgi
		 * protocol has no framing for it (nginx de-chunks and sends the length; the uWSGI router
		 * drops such bodies). Answered 411 rather than served with the body silently lost.
		 */
		LENGTH_REQUIRED("chunked body without CONTENT_LENGTH", true),

		/** {@code CONTENT_LENGTH} is not a non-negative decimal number: answered 400. */
		INVALID_CONTENT_LENGTH("invalid CONTENT_LENGTH", true),

		/** The peer's address is not among the allowed client networks: answered 403. */
		CLIENT_NOT_ALLOWED("client address not allowed", true),

		/** The shared secret var is missing or wrong: answered 403. */
		SECRET_MISMATCH("missing or wrong shared secret", true),

		/** An {@code HTTP_*} var cannot be a header (bad name, or CR, LF or NUL in it): answered 400. */
		INVALID_HEADER("var that cannot be an HTTP header", true);

		private final String description;

		private final boolean answered;

		Reason(String description, boolean answered) {
			this.description = description;
			this.answered = answered;
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
			return this.answered;
		}

	}

}
