package io.github.uwsgispringboot.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The vars that steer the mapping of a packet to a request, recognised by their bytes. Every other
 * {@code HTTP_*} var is a header.
 */
enum KnownVar {

	REQUEST_METHOD, REQUEST_URI, PATH_INFO, QUERY_STRING, SCRIPT_NAME, SCRIPT_FILENAME, HTTPS, REQUEST_SCHEME,
	SERVER_NAME, SERVER_PORT, REMOTE_ADDR, REMOTE_PORT, CONTENT_LENGTH, CONTENT_TYPE,

	/** The client's Host header: the request's {@code Host}, unless empty. */
	HTTP_HOST(Header.CHECKED),

	/** A copy of {@code CONTENT_LENGTH}: only that one delimits the body. */
	HTTP_CONTENT_LENGTH(Header.CHECKED),

	/** A copy of {@code CONTENT_TYPE}, used when that one is empty. */
	HTTP_CONTENT_TYPE(Header.CHECKED),

	/** Joined into one {@code Cookie} header. */
	HTTP_COOKIE(Header.CHECKED),

	// Client headers about the client's connection to the proxy. nginx forwards them all; none
	// describes our connection, so none reaches the application or steers this server (but a
	// WebSocket upgrade and a chunked body without a length are recognised)
	HTTP_CONNECTION(Header.HOP_BY_HOP), HTTP_KEEP_ALIVE(Header.HOP_BY_HOP), HTTP_PROXY_CONNECTION(Header.HOP_BY_HOP),
	HTTP_TRANSFER_ENCODING(Header.HOP_BY_HOP), HTTP_TE(Header.HOP_BY_HOP), HTTP_TRAILER(Header.HOP_BY_HOP),
	HTTP_UPGRADE(Header.HOP_BY_HOP), HTTP_EXPECT(Header.HOP_BY_HOP);

	/** The known vars by {@link #slot}, in open addressing: a few times more slots than vars. */
	private static final KnownVar[] SLOTS = slots();

	/** A bit for the length of each known name: most names have none of them. */
	private static final long LENGTHS = lengths();

	private final byte[] bytes = name().getBytes(StandardCharsets.ISO_8859_1);

	/** The first bytes of the name, as {@link #head} reads them. */
	private final long head = head(this.bytes, 0, this.bytes.length);

	/** The last bytes of the name, as {@link #tail} reads them. */
	private final long tail = tail(this.bytes, 0, this.bytes.length);

	private final Header header;

	KnownVar() {
		this(Header.NONE);
	}

	KnownVar(Header header) {
		this.header = header;
	}

	/**
	 * Return whether the value of this var is a header value, checked like every header value.
	 * @return {@code true} for the {@code HTTP_*} vars that are not hop-by-hop
	 */
	boolean isCheckedHeader() {
		return this.header == Header.CHECKED;
	}

	/**
	 * Return the known var whose name is the {@code length} bytes from {@code start}.
	 * @param bytes the bytes
	 * @param start where the name starts
	 * @param length the length of the name
	 * @return the var, or {@code null} for any other name
	 */
	static KnownVar of(byte[] bytes, int start, int length) {
		if (length >= Long.SIZE || (LENGTHS & (1L << length)) == 0) {
			return null;
		}
		long head = head(bytes, start, length);
		long tail = tail(bytes, start, length);
		for (int slot = slot(head, tail, length);; slot = (slot + 1) & (SLOTS.length - 1)) {
			KnownVar known = SLOTS[slot];
			if (known == null) {
				return null;
			}
			if (known.head == head && known.tail == tail && known.bytes.length == length
					&& (length <= 2 * Long.BYTES || Arrays.equals(bytes, start, start + length, known.bytes, 0, length))) {
				return known;
			}
		}
	}

	private static int slot(long head, long tail, int length) {
		long hash = (head ^ Long.rotateLeft(tail, 29) ^ length) * 0x9E3779B97F4A7C15L;
		return (int) (hash >>> 57);
	}

	/**
	 * Read the first 8 bytes of a name of at least 4 bytes, or its first 4.
	 */
	private static long head(byte[] bytes, int start, int length) {
		return (length >= Long.BYTES) ? (long) Words.LONGS.get(bytes, start) : (int) Words.INTS.get(bytes, start);
	}

	/**
	 * Read the last 8 bytes of a name of at least 4 bytes, or its last 4: with {@link #head}, the
	 * whole of a name of up to 16 bytes.
	 */
	private static long tail(byte[] bytes, int start, int length) {
		return (length >= Long.BYTES) ? (long) Words.LONGS.get(bytes, start + length - Long.BYTES)
				: (int) Words.INTS.get(bytes, start + length - Integer.BYTES);
	}

	private static long lengths() {
		long lengths = 0;
		for (KnownVar known : values()) {
			lengths |= 1L << known.bytes.length;
		}
		return lengths;
	}

	private static KnownVar[] slots() {
		KnownVar[] slots = new KnownVar[128];
		for (KnownVar known : values()) {
			int slot = slot(known.head, known.tail, known.bytes.length);
			while (slots[slot] != null) {
				slot = (slot + 1) & (slots.length - 1);
			}
			slots[slot] = known;
		}
		return slots;
	}

	/** Reads words of a {@code byte[]}; a class of its own, ready before the constants are built. */
	private static final class Words {

		private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
				ByteOrder.LITTLE_ENDIAN);

		private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class,
				ByteOrder.LITTLE_ENDIAN);

	}

	private enum Header {

		NONE, CHECKED, HOP_BY_HOP

	}

}
