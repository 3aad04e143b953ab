package io.github.uwsgispringboot.protocol;

/**
 * Numbers of the uwsgi wire protocol.
 *
 * @see <a href="https://uwsgi-docs.readthedocs.io/en/latest/Protocol.html">The uwsgi protocol</a>
 */
public final class UwsgiConstants {

	/** Length of the packet header: modifier1, datasize (u16 little-endian), modifier2. */
	public static final int HEADER_LENGTH = 4;

	/** Largest vars block the 16-bit datasize field can announce. */
	public static final int MAX_VARS_SIZE = 0xFFFF;

	/** Largest var name or value: each is prefixed by a 16-bit length. */
	public static final int MAX_VAR_LENGTH = 0xFFFF;

	/** modifier1 of an HTTP request (WSGI): what nginx, Apache and the uWSGI router send. */
	public static final int MODIFIER1_HTTP = 0;

	/** modifier1 of a ping; answered with {@link #MODIFIER2_PONG} and an empty vars block. */
	public static final int MODIFIER1_PING = 100;

	/** modifier2 of the answer to a ping. */
	public static final int MODIFIER2_PONG = 1;

	private UwsgiConstants() {
	}

}
