package io.github.uwsgispringboot.protocol;

import java.nio.charset.StandardCharsets;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

/**
 * The 4-byte header that starts every uwsgi packet: modifier1, the size of the vars block
 * (u16 little-endian) and modifier2. Both servers read it here, and answer what it asks for with
 * the bytes given here.
 */
public final class UwsgiPacketHeader {

	/** What {@link #read} returns for a ping. */
	public static final int PING = -1;

	private static final byte[] PONG = { (byte) UwsgiConstants.MODIFIER1_PING, 0, 0,
			(byte) UwsgiConstants.MODIFIER2_PONG };

	private static final String NOT_UWSGI_HINT = "This port speaks the uwsgi protocol, not HTTP: "
			+ "point nginx at it with uwsgi_pass, not proxy_pass.\n";

	private static final byte[] NOT_UWSGI_RESPONSE = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
			+ "Connection: close\r\nContent-Length: " + NOT_UWSGI_HINT.length() + "\r\n\r\n" + NOT_UWSGI_HINT)
		.getBytes(StandardCharsets.US_ASCII);

	private UwsgiPacketHeader() {
	}

	/**
	 * Read a packet header.
	 * @param b0 modifier1, as an unsigned byte
	 * @param b1 the low byte of the vars block's size
	 * @param b2 the high byte of the vars block's size
	 * @param b3 modifier2
	 * @param maxVarsSize the largest vars block accepted
	 * @return the size of the vars block that follows, or {@link #PING} for a ping, which is
	 * answered with {@link #pong()} before any access check
	 * @throws UwsgiProtocolException for plain HTTP ({@link Reason#HTTP_ON_UWSGI_PORT}, answered
	 * with {@link #notUwsgiResponse()}), any other modifier1 ({@link Reason#UNSUPPORTED_MODIFIER})
	 * or a vars block larger than {@code maxVarsSize} ({@link Reason#VARS_TOO_LARGE})
	 */
	public static int read(int b0, int b1, int b2, int b3, int maxVarsSize) {
		if (b0 == UwsgiConstants.MODIFIER1_PING) {
			return PING;
		}
		if (b0 != UwsgiConstants.MODIFIER1_HTTP) {
			if (looksLikeHttp(b0, b1, b2, b3)) {
				throw new UwsgiProtocolException(Reason.HTTP_ON_UWSGI_PORT,
						"request starts with '" + (char) b0 + (char) b1 + (char) b2 + (char) b3 + "'");
			}
			throw new UwsgiProtocolException(Reason.UNSUPPORTED_MODIFIER, "modifier1=" + b0);
		}
		int varsSize = b1 | (b2 << 8);
		if (varsSize > maxVarsSize) {
			throw new UwsgiProtocolException(Reason.VARS_TOO_LARGE, varsSize + " bytes, limit " + maxVarsSize);
		}
		return varsSize;
	}

	/**
	 * Return the answer to a ping: modifier1 100, modifier2 1, no vars. The connection is closed
	 * after it.
	 * @return a new copy of the 4 bytes
	 */
	public static byte[] pong() {
		return PONG.clone();
	}

	/**
	 * Return the response to plain HTTP sent to a uwsgi port: a 400 whose body says to use
	 * {@code uwsgi_pass}. The connection is closed after it.
	 * @return a new copy of the response's bytes
	 */
	public static byte[] notUwsgiResponse() {
		return NOT_UWSGI_RESPONSE.clone();
	}

	/** Four upper-case letters, or three and a space: an HTTP method. */
	private static boolean looksLikeHttp(int... bytes) {
		for (int i = 0; i < bytes.length; i++) {
			boolean upper = bytes[i] >= 'A' && bytes[i] <= 'Z';
			if (!upper && !(i == 3 && bytes[i] == ' ')) {
				return false;
			}
		}
		return true;
	}

}
