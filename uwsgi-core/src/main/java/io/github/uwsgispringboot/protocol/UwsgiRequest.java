package io.github.uwsgispringboot.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An HTTP request read from the vars of a uwsgi packet, as both servers see it: the method, the
 * request target, the headers, what the proxy told about the client (address, scheme) and the
 * mount prefix ({@code SCRIPT_NAME}), and every var as sent. The rules are those of
 * {@code docs/protocol.md}; the Netty codec and the Tomcat processor only adapt this request to
 * their own types. Immutable, but for values computed when first asked for.
 * <p>
 * The headers are read from the vars when asked for: each {@code HTTP_*} var is a header whose name
 * is spelled from the var's ({@code HTTP_X_FORWARDED_FOR} is {@code X-Forwarded-For}), except the
 * hop-by-hop ones; {@code Cookie}, {@code Content-Type}, {@code Content-Length}, {@code Host} and,
 * for a WebSocket upgrade, {@code Upgrade} and {@code Connection} are set from the vars that tell
 * them. Looking one header up makes a {@code String} for the values returned only.
 */
public final class UwsgiRequest {

	/**
	 * The name of the request attribute under which a servlet container's uwsgi connector exposes
	 * the request to the application.
	 */
	public static final String ATTRIBUTE = UwsgiRequest.class.getName();

	/**
	 * The name of the request attribute holding the mount prefix ({@code SCRIPT_NAME}) that a
	 * servlet container's uwsgi connector removed from the request URI before mapping it.
	 */
	public static final String MOUNT_PREFIX_ATTRIBUTE = UwsgiRequest.class.getName() + ".mountPrefix";

	private static final String HTTP_COOKIE = "HTTP_COOKIE";

	/** {@link #remoteAddress} before it is read from the vars. */
	private static final Object UNREAD = new Object();

	/** {@link #remoteAddress} when the vars hold no IP address. */
	private static final Object NONE = new Object();

	private final String method;

	private final String uri;

	private final UwsgiVars vars;

	private final String scheme;

	private final String contextPath;

	private final long contentLength;

	private final int remoteAddr;

	private final int remotePort;

	/** A bit per {@link #nameHash} of the header vars' names: a name whose bit is clear is not sent. */
	private final long nameHashes;

	private final int firstCookie;

	private final int cookies;

	private final int contentType;

	private final String host;

	private final boolean webSocket;

	private String cookie;

	/** The client's {@code InetSocketAddress}, {@link #UNREAD} or {@link #NONE}. */
	private Object remoteAddress = UNREAD;

	UwsgiRequest(String method, String uri, UwsgiVars vars, String scheme, String contextPath, long contentLength,
			int remoteAddr, int remotePort, long nameHashes, int firstCookie, int cookies, int contentType,
			String host, boolean webSocket) {
		this.method = method;
		this.uri = uri;
		this.vars = vars;
		this.scheme = scheme;
		this.contextPath = contextPath;
		this.contentLength = contentLength;
		this.remoteAddr = remoteAddr;
		this.remotePort = remotePort;
		this.nameHashes = nameHashes;
		this.firstCookie = firstCookie;
		this.cookies = cookies;
		this.contentType = contentType;
		this.host = host;
		this.webSocket = webSocket;
	}

	/**
	 * Read the request of a vars block, in one pass over its vars, and check it against the
	 * limits on vars and body size.
	 * @param block the vars block, kept by the request's vars
	 * @param limits the limits
	 * @return the request
	 * @throws UwsgiProtocolException when the block is malformed, holds too many vars, announces
	 * too large a body or does not describe a valid HTTP request
	 */
	public static UwsgiRequest read(byte[] block, UwsgiLimits limits) {
		UwsgiRequest request = UwsgiRequestMapper.read(block, limits.maxVars());
		long maxBodySize = limits.maxBodySize();
		if (maxBodySize >= 0 && request.contentLength() > maxBodySize) {
			throw new UwsgiProtocolException(UwsgiProtocolException.Reason.BODY_TOO_LARGE,
					"CONTENT_LENGTH=" + request.contentLength() + ", limit " + maxBodySize);
		}
		return request;
	}

	/**
	 * Read the request of vars already read or built.
	 * @param vars the vars
	 * @return the request
	 * @throws UwsgiProtocolException when the vars do not describe a valid HTTP request
	 */
	public static UwsgiRequest from(UwsgiVars vars) {
		return UwsgiRequestMapper.map(vars);
	}

	/**
	 * Return this request without the var {@code name}, for a var that the proxy sends to the
	 * server but the application must not see (a shared secret).
	 * @param name the name of a var that is neither a header nor steers the mapping
	 * @return the request read from the other vars
	 */
	public UwsgiRequest withoutVar(String name) {
		return from(this.vars.without(name));
	}

	/**
	 * Return the method, from {@code REQUEST_METHOD}.
	 * @return the method, an HTTP token
	 */
	public String method() {
		return this.method;
	}

	/**
	 * Return the request target: {@code REQUEST_URI} as sent, or {@code PATH_INFO} and
	 * {@code QUERY_STRING} when it is not; it starts with the {@link #contextPath()}.
	 * @return the request target, with its query
	 */
	public String uri() {
		return this.uri;
	}

	/**
	 * Return every var of the packet as sent, including those that did not become headers.
	 * @return the vars
	 */
	public UwsgiVars vars() {
		return this.vars;
	}

	/**
	 * Return the scheme the client used at the proxy: {@code https} when {@code HTTPS} is
	 * {@code on} or {@code 1} or {@code REQUEST_SCHEME} is {@code https}, else {@code http}.
	 * @return {@code http} or {@code https}
	 */
	public String scheme() {
		return this.scheme;
	}

	/**
	 * Return whether the client used HTTPS at the proxy.
	 * @return {@code true} when the {@link #scheme()} is {@code https}
	 */
	public boolean isSecure() {
		return "https".equals(this.scheme);
	}

	/**
	 * Return the prefix the application is mounted under at the proxy, from {@code SCRIPT_NAME},
	 * without a trailing slash. The request target always starts with it.
	 * @return the context path, empty when there is none
	 */
	public String contextPath() {
		return this.contextPath;
	}

	/**
	 * Return the length of the body that follows the vars, from {@code CONTENT_LENGTH}.
	 * @return the number of body bytes, 0 when there is no body
	 */
	public long contentLength() {
		return this.contentLength;
	}

	/**
	 * Return the {@code Host} header: {@code HTTP_HOST}, or {@code SERVER_NAME} with
	 * {@code SERVER_PORT} unless that is the scheme's default.
	 * @return the host, {@code null} when the proxy sent neither
	 */
	public String host() {
		return this.host;
	}

	/**
	 * Return whether this is a WebSocket upgrade that the proxy can tunnel ({@code GET} with
	 * {@code Upgrade: websocket}), the one case where the {@code Upgrade} and {@code Connection}
	 * headers reach the application.
	 * @return {@code true} for a WebSocket upgrade
	 */
	public boolean isWebSocketUpgrade() {
		return this.webSocket;
	}

	/**
	 * Return the client's address from {@code REMOTE_ADDR} and {@code REMOTE_PORT}.
	 * @return the address, or {@code null} when the proxy sent no IP address
	 */
	public InetSocketAddress remoteAddress() {
		Object remoteAddress = this.remoteAddress;
		if (remoteAddress == UNREAD) {
			// read when asked for: many requests never need it
			InetAddress address = IpAddresses.parse(value(this.remoteAddr));
			remoteAddress = (address != null) ? new InetSocketAddress(address, port(value(this.remotePort))) : NONE;
			this.remoteAddress = remoteAddress;
		}
		return (remoteAddress != NONE) ? (InetSocketAddress) remoteAddress : null;
	}

	/**
	 * Read a port: 0 unless it is a decimal number from 1 to 65535.
	 */
	static int port(String value) {
		if (value == null || value.isEmpty() || value.length() > 5) {
			return 0;
		}
		int port = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return 0;
			}
			port = port * 10 + (c - '0');
		}
		return (port <= 0xFFFF) ? port : 0;
	}

	/**
	 * Return the first value of a header.
	 * @param name the header name, in any case
	 * @return the value, {@code null} when the request has no such header
	 */
	public String header(CharSequence name) {
		String value = setValue(name);
		if (value != null) {
			return value;
		}
		int index = find(name, 0);
		return (index >= 0) ? value(index) : null;
	}

	/**
	 * Return every value of a header, in the order sent.
	 * @param name the header name, in any case
	 * @return the values, empty when the request has no such header
	 */
	public List<String> headers(CharSequence name) {
		String value = setValue(name);
		if (value != null) {
			return List.of(value);
		}
		int index = find(name, 0);
		if (index < 0) {
			return Collections.emptyList();
		}
		List<String> values = new ArrayList<>(2);
		for (; index >= 0; index = find(name, index + 1)) {
			values.add(value(index));
		}
		return Collections.unmodifiableList(values);
	}

	/**
	 * Return whether the request has no header at all.
	 * @return {@code true} when there is none
	 */
	public boolean hasNoHeaders() {
		return this.nameHashes == 0 && this.firstCookie < 0 && this.contentType < 0 && this.contentLength <= 0
				&& this.host == null && !this.webSocket;
	}

	/**
	 * Call {@code action} with every header, in order: the header vars as sent, then the headers
	 * set from the vars that tell them ({@code Cookie}, {@code Content-Type},
	 * {@code Content-Length}, {@code Host}, and {@code Upgrade} and {@code Connection} for a
	 * WebSocket upgrade). No header var spells one of those: another spelling of them is dropped.
	 * @param action receives name and value
	 */
	public void forEachHeader(BiConsumer<String, String> action) {
		byte[] block = this.vars.block();
		for (int i = 0; i < this.vars.size(); i++) {
			if (UwsgiRequestMapper.isHeader(block, this.vars.nameStart(i), this.vars.nameLength(i))) {
				action.accept(UwsgiRequestMapper.headerName(this.vars.name(i)), value(i));
			}
		}
		acceptIfPresent(action, "Cookie", cookie());
		acceptIfPresent(action, "Content-Type", (this.contentType >= 0) ? value(this.contentType) : null);
		acceptIfPresent(action, "Content-Length", (this.contentLength > 0) ? Long.toString(this.contentLength) : null);
		acceptIfPresent(action, "Host", this.host);
		if (this.webSocket) {
			action.accept("Upgrade", "websocket");
			action.accept("Connection", "Upgrade");
		}
	}

	private static void acceptIfPresent(BiConsumer<String, String> action, String name, String value) {
		if (value != null) {
			action.accept(name, value);
		}
	}

	/**
	 * Return a bit for a header name, the same for every spelling that matches it (any case,
	 * {@code _} for {@code -}), from its length and its first and last chars.
	 * @param bytes the bytes of a var name
	 * @param start where the header name starts in the var name (after {@code HTTP_})
	 * @param length the length of the header name
	 * @return a long with one bit set
	 */
	static long nameHash(byte[] bytes, int start, int length) {
		return (length == 0) ? 1 : nameHash(length, bytes[start] & 0xFF, bytes[start + length - 1] & 0xFF);
	}

	private static long nameHash(CharSequence name) {
		int length = name.length();
		return (length == 0) ? 1 : nameHash(length, name.charAt(0), name.charAt(length - 1));
	}

	private static long nameHash(int length, int first, int last) {
		return 1L << (length * 31 + hashFold(first) * 7 + hashFold(last));
	}

	/** {@link #fold} for a hash, without a branch: ASCII letters in lower case, {@code _} as {@code -}. */
	private static int hashFold(int c) {
		int lower = c | 0x20;
		return (lower == ('_' | 0x20)) ? '-' : lower;
	}

	/** Lower case for an ASCII letter, {@code -} for {@code _}. */
	private static int fold(int c) {
		if (c >= 'A' && c <= 'Z') {
			return c + ('a' - 'A');
		}
		return (c == '_') ? '-' : c;
	}

	/**
	 * Return the value of a header that the mapper sets rather than adds, replacing any header
	 * var that spells the same name.
	 * @return the value, {@code null} when {@code name} is none of those or was not set
	 */
	private String setValue(CharSequence name) {
		switch (name.length()) {
			case 4:
				return equalsIgnoreCase(name, "Host") ? this.host : null;
			case 6:
				return equalsIgnoreCase(name, "Cookie") ? cookie() : null;
			case 7:
				return (this.webSocket && equalsIgnoreCase(name, "Upgrade")) ? "websocket" : null;
			case 10:
				return (this.webSocket && equalsIgnoreCase(name, "Connection")) ? "Upgrade" : null;
			case 12:
				return (this.contentType >= 0 && equalsIgnoreCase(name, "Content-Type")) ? value(this.contentType)
						: null;
			case 14:
				return (this.contentLength > 0 && equalsIgnoreCase(name, "Content-Length"))
						? Long.toString(this.contentLength) : null;
			default:
				return null;
		}
	}

	private static boolean equalsIgnoreCase(CharSequence name, String expected) {
		for (int i = 0; i < expected.length(); i++) {
			char c = name.charAt(i);
			char e = expected.charAt(i);
			if (c != e && Character.toLowerCase(c) != Character.toLowerCase(e)) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return the {@code Cookie} header: every {@code HTTP_COOKIE} joined with {@code "; "}. Apache
	 * and the uWSGI router join repeated Cookie headers with {@code ", "}, which cookie parsers read
	 * as part of a value; cookie values cannot hold {@code ", "}.
	 */
	private String cookie() {
		if (this.firstCookie < 0) {
			return null;
		}
		String cookie = this.cookie;
		if (cookie == null) {
			cookie = value(this.firstCookie).replace(", ", "; ");
			for (int i = this.firstCookie + 1, found = 1; found < this.cookies; i++) {
				if (this.vars.nameEquals(i, HTTP_COOKIE)) {
					cookie = cookie + "; " + value(i).replace(", ", "; ");
					found++;
				}
			}
			this.cookie = cookie;
		}
		return cookie;
	}

	/**
	 * Return the index of the first header var from {@code from} whose header is {@code name}.
	 * @return the index, -1 when there is none
	 */
	private int find(CharSequence name, int from) {
		if ((this.nameHashes & nameHash(name)) == 0) {
			return -1;
		}
		byte[] block = this.vars.block();
		int varNameLength = "HTTP_".length() + name.length();
		for (int i = from; i < this.vars.size(); i++) {
			if (this.vars.nameLength(i) == varNameLength && isHeaderVar(block, this.vars.nameStart(i), name)) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * Return whether the var name at {@code start} is that of a header var carrying {@code name}.
	 */
	private static boolean isHeaderVar(byte[] block, int start, CharSequence name) {
		int length = "HTTP_".length() + name.length();
		if (!UwsgiRequestMapper.isHeaderVar(block, start, length)) {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			if (fold(block[start + "HTTP_".length() + i] & 0xFF) != fold(name.charAt(i)) || name.charAt(i) == '_') {
				return false;
			}
		}
		return KnownVar.of(block, start, length) == null && !UwsgiRequestMapper.spellsReservedHeader(block, start, length);
	}

	private String value(int index) {
		return (index >= 0) ? this.vars.string(this.vars.valueStart(index), this.vars.valueLength(index)) : null;
	}

	@Override
	public String toString() {
		return this.method + " " + this.uri;
	}

}
