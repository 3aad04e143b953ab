package io.github.uwsgispringboot.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

/**
 * Maps the CGI-style vars of a uwsgi packet to a {@link UwsgiRequest}, following what nginx, Apache
 * httpd and the uWSGI router actually send (see {@code docs/protocol.md}).
 * <p>
 * One pass over the vars recognises the {@link KnownVar known vars} by their bytes (the last
 * occurrence of each wins) and checks every value that becomes a header with the rule Netty's
 * HTTP codec applies; the headers themselves are read from the vars when asked for.
 */
public final class UwsgiRequestMapper implements UwsgiVars.Visitor {

	private static final int HTTP_PREFIX_LENGTH = "HTTP_".length();

	/** "HTTP" read as a little-endian int. */
	private static final int HTTP = 'H' | 'T' << 8 | 'T' << 16 | 'P' << 24;

	/** Header names whose usual spelling is not the capitalised form of the var name. */
	private static final Map<String, String> IRREGULAR_HEADER_NAMES = Map.of("HTTP_DNT", "DNT", "HTTP_ETAG",
			"ETag", "HTTP_WWW_AUTHENTICATE", "WWW-Authenticate", "HTTP_SEC_WEBSOCKET_KEY", "Sec-WebSocket-Key",
			"HTTP_SEC_WEBSOCKET_VERSION", "Sec-WebSocket-Version", "HTTP_SEC_WEBSOCKET_PROTOCOL",
			"Sec-WebSocket-Protocol", "HTTP_SEC_WEBSOCKET_EXTENSIONS", "Sec-WebSocket-Extensions",
			"HTTP_CONTENT_MD5", "Content-MD5");

	/** The most header names remembered: clients cannot grow the cache without bound. */
	private static final int MAX_CACHED_HEADER_NAMES = 1024;

	/** Header names already spelled, by var name: most requests repeat the same few. */
	private static final Map<String, String> HEADER_NAMES = new ConcurrentHashMap<>(IRREGULAR_HEADER_NAMES);

	/** The headers, after {@code HTTP_}, that only their exact {@link KnownVar} may give. */
	private static final String[] RESERVED_HEADER_VARS = { "HOST", "CONTENT_LENGTH", "CONTENT_TYPE", "COOKIE",
			"CONNECTION", "KEEP_ALIVE", "PROXY_CONNECTION", "TRANSFER_ENCODING", "TE", "TRAILER", "UPGRADE", "EXPECT" };

	/** A bit for the length of each reserved header name. */
	private static final long RESERVED_LENGTHS = reservedLengths();

	/** Longest CONTENT_LENGTH accepted: 18 digits cannot overflow a long. */
	private static final int MAX_CONTENT_LENGTH_DIGITS = 18;

	/** Reads 8 bytes of a {@code byte[]} at once, to check header values a word at a time. */
	private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
			ByteOrder.LITTLE_ENDIAN);

	private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

	private static final long ONES = 0x0101010101010101L;

	private static final long HIGH_BITS = 0x8080808080808080L;

	private final byte[] block;

	private UwsgiVars vars;

	// the index of the last occurrence of each known var, -1 when it was not sent

	private int requestMethod = -1;

	private int requestUri = -1;

	private int pathInfo = -1;

	private int queryString = -1;

	private int scriptName = -1;

	private int scriptFilename = -1;

	private int https = -1;

	private int requestScheme = -1;

	private int serverName = -1;

	private int serverPort = -1;

	private int remoteAddr = -1;

	private int remotePort = -1;

	private int contentLength = -1;

	private int contentType = -1;

	private int httpHost = -1;

	private int httpContentType = -1;

	private int httpTransferEncoding = -1;

	private int httpUpgrade = -1;

	/** The first {@code HTTP_COOKIE}, -1 when none was sent. */
	private int firstCookie = -1;

	private int cookies;

	/** The first var whose value or name cannot be a header, -1 when all can. */
	private int invalidHeader = -1;

	/** {@link UwsgiRequest#nameHash} of every header var's name. */
	private long headerNames;

	private static long reservedLengths() {
		long lengths = 0;
		for (String reserved : RESERVED_HEADER_VARS) {
			lengths |= 1L << reserved.length();
		}
		return lengths;
	}

	private UwsgiRequestMapper(byte[] block) {
		this.block = block;
	}

	/**
	 * Read a request from a vars block, in one pass over its vars.
	 * @param block the vars block, kept by the request's vars
	 * @param maxVars the most vars accepted
	 * @return the request
	 * @throws UwsgiProtocolException when the block is malformed, holds too many vars or does not
	 * describe a valid HTTP request
	 */
	static UwsgiRequest read(byte[] block, int maxVars) {
		UwsgiRequestMapper mapper = new UwsgiRequestMapper(block);
		mapper.vars = UwsgiVars.read(block, maxVars, mapper);
		return mapper.request();
	}

	/**
	 * Read a request from vars already read or built.
	 * @param vars the vars
	 * @return the request
	 * @throws UwsgiProtocolException when the vars do not describe a valid HTTP request
	 */
	static UwsgiRequest map(UwsgiVars vars) {
		UwsgiRequestMapper mapper = new UwsgiRequestMapper(vars.block());
		mapper.vars = vars;
		vars.visit(mapper);
		return mapper.request();
	}

	@Override
	public void visit(int index, int nameStart, int nameLength, int valueStart, int valueLength) {
		KnownVar known = KnownVar.of(this.block, nameStart, nameLength);
		if (known != null) {
			record(known, index);
			if (known.isCheckedHeader() && this.invalidHeader < 0
					&& invalidValueIndex(this.block, valueStart, valueLength) >= 0) {
				this.invalidHeader = index;
			}
		}
		else if (isHeaderVar(this.block, nameStart, nameLength)
				&& !spellsReservedHeader(this.block, nameStart, nameLength)) {
			if (this.invalidHeader < 0 && (invalidValueIndex(this.block, valueStart, valueLength) >= 0
					|| !isHeaderName(nameStart, nameLength))) {
				this.invalidHeader = index;
			}
			this.headerNames |= UwsgiRequest.nameHash(this.block, nameStart + HTTP_PREFIX_LENGTH,
					nameLength - HTTP_PREFIX_LENGTH);
		}
	}

	private void record(KnownVar known, int index) {
		switch (known) {
			case REQUEST_METHOD -> this.requestMethod = index;
			case REQUEST_URI -> this.requestUri = index;
			case PATH_INFO -> this.pathInfo = index;
			case QUERY_STRING -> this.queryString = index;
			case SCRIPT_NAME -> this.scriptName = index;
			case SCRIPT_FILENAME -> this.scriptFilename = index;
			case HTTPS -> this.https = index;
			case REQUEST_SCHEME -> this.requestScheme = index;
			case SERVER_NAME -> this.serverName = index;
			case SERVER_PORT -> this.serverPort = index;
			case REMOTE_ADDR -> this.remoteAddr = index;
			case REMOTE_PORT -> this.remotePort = index;
			case CONTENT_LENGTH -> this.contentLength = index;
			case CONTENT_TYPE -> this.contentType = index;
			case HTTP_HOST -> this.httpHost = index;
			case HTTP_CONTENT_TYPE -> this.httpContentType = index;
			case HTTP_TRANSFER_ENCODING -> this.httpTransferEncoding = index;
			case HTTP_UPGRADE -> this.httpUpgrade = index;
			case HTTP_COOKIE -> {
				if (this.cookies++ == 0) {
					this.firstCookie = index;
				}
			}
			default -> {
				// the other hop-by-hop headers are dropped, a copy of CONTENT_LENGTH too
			}
		}
	}

	private UwsgiRequest request() {
		String method = method();
		String scheme = scheme();
		long contentLength = contentLength();
		if (!isEmpty(this.httpTransferEncoding) && isEmpty(this.contentLength)) {
			throw new UwsgiProtocolException(Reason.LENGTH_REQUIRED,
					"HTTP_TRANSFER_ENCODING=" + abbreviate(this.vars.value(this.httpTransferEncoding)));
		}
		if (this.invalidHeader >= 0) {
			throw invalidHeader(this.invalidHeader);
		}
		int contentType = isEmpty(this.contentType) ? this.httpContentType : this.contentType;
		if (contentType == this.contentType && !isEmpty(contentType) && !isHeaderValue(contentType)) {
			throw invalidHeader(contentType);
		}
		String host = host(scheme);
		boolean webSocket = "GET".equals(method) && this.vars.valueEqualsIgnoreCase(this.httpUpgrade, "websocket")
				&& canTunnel();
		String contextPath = contextPath();
		String uri = uri(contextPath);
		return new UwsgiRequest(method, uri, this.vars, scheme, contextPath, contentLength, this.remoteAddr,
				this.remotePort, this.headerNames, this.firstCookie, this.cookies, isEmpty(contentType) ? -1 : contentType,
				host, webSocket);
	}

	/**
	 * Return whether the proxy can turn the connection into a tunnel after a {@code 101}. Apache's
	 * mod_proxy_uwsgi (recognised by the {@code SCRIPT_FILENAME} mod_proxy sets) cannot: it would
	 * pass the {@code 101} on and then hang, so its upgrade requests reach the application as plain
	 * requests, which the application refuses with a status.
	 */
	private boolean canTunnel() {
		return this.scriptFilename < 0 || !this.vars.valueStartsWith(this.scriptFilename, "proxy:uwsgi://");
	}

	private boolean isEmpty(int index) {
		return index < 0 || this.vars.valueLength(index) == 0;
	}

	private String valueOrNull(int index) {
		return (index >= 0) ? this.vars.value(index) : null;
	}

	private String method() {
		if (this.requestMethod >= 0) {
			int start = this.vars.valueStart(this.requestMethod);
			int length = this.vars.valueLength(this.requestMethod);
			if (length == 3 && this.block[start] == 'G' && this.block[start + 1] == 'E' && this.block[start + 2] == 'T') {
				return "GET";
			}
			if (length == 4 && (int) INTS.get(this.block, start) == ('P' | 'O' << 8 | 'S' << 16 | 'T' << 24)) {
				return "POST";
			}
		}
		String name = valueOrNull(this.requestMethod);
		if (name == null || name.isEmpty() || !isToken(name)) {
			throw new UwsgiProtocolException(Reason.INVALID_REQUEST_METHOD, "REQUEST_METHOD=" + name);
		}
		return name;
	}

	private String scheme() {
		boolean https = this.vars.valueEqualsIgnoreCase(this.https, "on") || this.vars.valueEqualsIgnoreCase(this.https, "1")
				|| this.vars.valueEqualsIgnoreCase(this.requestScheme, "https");
		return https ? "https" : "http";
	}

	private long contentLength() {
		if (isEmpty(this.contentLength)) {
			return 0;
		}
		int start = this.vars.valueStart(this.contentLength);
		int length = this.vars.valueLength(this.contentLength);
		if (length > MAX_CONTENT_LENGTH_DIGITS) {
			throw invalidContentLength();
		}
		long value = 0;
		for (int i = start; i < start + length; i++) {
			int digit = this.block[i] - '0';
			if (digit < 0 || digit > 9) {
				throw invalidContentLength();
			}
			value = value * 10 + digit;
		}
		return value;
	}

	private UwsgiProtocolException invalidContentLength() {
		return new UwsgiProtocolException(Reason.INVALID_CONTENT_LENGTH,
				"CONTENT_LENGTH=" + abbreviate(this.vars.value(this.contentLength)));
	}

	private String host(String scheme) {
		if (!isEmpty(this.httpHost)) {
			// checked with the other header values
			return this.vars.value(this.httpHost);
		}
		if (isEmpty(this.serverName)) {
			return null;
		}
		String serverName = this.vars.value(this.serverName);
		String port = valueOrNull(this.serverPort);
		boolean defaultPort = port == null || port.isEmpty() || ("http".equals(scheme) && "80".equals(port))
				|| ("https".equals(scheme) && "443".equals(port));
		String host = defaultPort ? serverName : serverName + ":" + port;
		byte[] hostBytes = host.getBytes(StandardCharsets.ISO_8859_1);
		int invalid = invalidValueIndex(hostBytes, 0, hostBytes.length);
		if (invalid >= 0) {
			throw invalidHeaderValue("HTTP_HOST", host.charAt(invalid), invalid);
		}
		return host;
	}

	private String contextPath() {
		if (this.scriptName < 0) {
			return "";
		}
		int start = this.vars.valueStart(this.scriptName);
		int end = start + this.vars.valueLength(this.scriptName);
		while (end > start && this.block[end - 1] == '/') {
			end--;
		}
		return (end == start) ? "" : encodePath(this.vars.string(start, end - start));
	}

	private String uri(String contextPath) {
		String uri = valueOrNull(this.requestUri);
		if (uri == null || uri.isEmpty()) {
			String path = isEmpty(this.pathInfo) ? "/" : encodePath(this.vars.value(this.pathInfo));
			uri = isEmpty(this.queryString) ? path : path + "?" + this.vars.value(this.queryString);
		}
		checkUri(uri);
		if (!contextPath.isEmpty() && !startsWithSegment(uri, contextPath)) {
			uri = contextPath + (uri.startsWith("/") ? uri : "/" + uri);
		}
		return uri;
	}

	private static boolean startsWithSegment(String uri, String prefix) {
		if (!uri.startsWith(prefix)) {
			return false;
		}
		if (uri.length() == prefix.length()) {
			return true;
		}
		char next = uri.charAt(prefix.length());
		return next == '/' || next == '?';
	}

	/**
	 * Return whether a var is a header the application sees: an {@code HTTP_*} var that is neither
	 * a {@link KnownVar} nor another spelling of one of the headers the core sets itself or drops.
	 * @param bytes the bytes of the vars block
	 * @param nameStart where the var name starts
	 * @param nameLength the length of the var name
	 * @return {@code true} for a header var
	 */
	static boolean isHeader(byte[] bytes, int nameStart, int nameLength) {
		return isHeaderVar(bytes, nameStart, nameLength) && KnownVar.of(bytes, nameStart, nameLength) == null
				&& !spellsReservedHeader(bytes, nameStart, nameLength);
	}

	/**
	 * Return whether an {@code HTTP_*} var that is not a {@link KnownVar} spells, in another case
	 * or with {@code -} for {@code _}, a header that only its exact var may give ({@code Host},
	 * {@code Content-Length}, {@code Content-Type}, {@code Cookie}) or that is hop-by-hop: such a
	 * var, which only a hand-written {@code uwsgi_param} sends, is dropped, so that it can neither
	 * contradict the request's framing nor pass a hop-by-hop header on.
	 */
	static boolean spellsReservedHeader(byte[] bytes, int nameStart, int nameLength) {
		int length = nameLength - HTTP_PREFIX_LENGTH;
		if (length >= Long.SIZE || (RESERVED_LENGTHS & (1L << length)) == 0) {
			return false;
		}
		int start = nameStart + HTTP_PREFIX_LENGTH;
		for (String reserved : RESERVED_HEADER_VARS) {
			if (reserved.length() == length && foldedEquals(bytes, start, reserved)) {
				return true;
			}
		}
		return false;
	}

	private static boolean foldedEquals(byte[] bytes, int start, String upperCase) {
		for (int i = 0; i < upperCase.length(); i++) {
			int b = bytes[start + i] & 0xFF;
			int folded = (b >= 'a' && b <= 'z') ? b - ('a' - 'A') : ((b == '-') ? '_' : b);
			if (folded != upperCase.charAt(i)) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return whether the var is an {@code HTTP_*} var, that is a header unless it is a
	 * {@link KnownVar}.
	 * @param bytes the bytes of the vars block
	 * @param nameStart where the var name starts
	 * @param nameLength the length of the var name
	 * @return {@code true} for an {@code HTTP_*} var
	 */
	static boolean isHeaderVar(byte[] bytes, int nameStart, int nameLength) {
		return nameLength >= HTTP_PREFIX_LENGTH && (int) INTS.get(bytes, nameStart) == HTTP
				&& bytes[nameStart + 4] == '_';
	}

	/**
	 * Return whether the var name has the characters a header name spelled from it may have:
	 * letters, digits, {@code _} and {@code -}. Upper-case names (all that nginx sends) are
	 * checked 8 bytes at a time.
	 */
	private boolean isHeaderName(int nameStart, int nameLength) {
		int start = nameStart + HTTP_PREFIX_LENGTH;
		int end = nameStart + nameLength;
		if (start == end) {
			return false;
		}
		// words from the header name on, or the last 8 bytes of the var name for a short one
		int from = Math.max(nameStart, Math.min(start, end - Long.BYTES));
		if (end - from >= Long.BYTES && isUpperCaseOrUnderscore((long) LONGS.get(this.block, end - Long.BYTES))) {
			int i = from;
			while (i < end - Long.BYTES && isUpperCaseOrUnderscore((long) LONGS.get(this.block, i))) {
				i += Long.BYTES;
			}
			if (i >= end - Long.BYTES) {
				return true;
			}
		}
		for (int i = start; i < end; i++) {
			if (!isHeaderNameChar(this.block[i])) {
				return false;
			}
		}
		return true;
	}

	private static boolean isHeaderNameChar(int c) {
		return (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
	}

	/**
	 * Return whether every byte of the word is an upper-case ASCII letter or {@code _}, computing
	 * {@code b >= 'A'}, {@code b <= 'Z'} and {@code b == '_'} in the high bit of each byte.
	 */
	private static boolean isUpperCaseOrUnderscore(long word) {
		if ((word & HIGH_BITS) != 0) {
			return false;
		}
		long atLeastA = ((word | HIGH_BITS) - 'A' * ONES) & HIGH_BITS;
		long atMostZ = (('Z' | 0x80) * ONES - word) & HIGH_BITS;
		long underscore = word ^ ('_' * ONES);
		underscore = ~(((underscore & ~HIGH_BITS) + ~HIGH_BITS) | underscore) & HIGH_BITS;
		return ((atLeastA & atMostZ) | underscore) == HIGH_BITS;
	}

	/**
	 * Refuse the var as a header, saying why: a value that Netty's header validation would reject,
	 * or a name that spells no header name.
	 */
	private UwsgiProtocolException invalidHeader(int index) {
		String name = this.vars.name(index);
		int start = this.vars.valueStart(index);
		int invalid = invalidValueIndex(this.block, start, this.vars.valueLength(index));
		if (invalid >= 0) {
			return invalidHeaderValue(name, (char) (this.block[start + invalid] & 0xFF), invalid);
		}
		if (name.length() == HTTP_PREFIX_LENGTH) {
			return new UwsgiProtocolException(Reason.INVALID_HEADER, "empty header name in var " + name);
		}
		return new UwsgiProtocolException(Reason.INVALID_HEADER, "var name " + abbreviate(name));
	}

	private static UwsgiProtocolException invalidHeaderValue(String name, char invalid, int index) {
		return new UwsgiProtocolException(Reason.INVALID_HEADER, String.format(Locale.ROOT,
				"character 0x%02X at %d in the value of %s", (int) invalid, index, abbreviate(name)));
	}

	private boolean isHeaderValue(int index) {
		return invalidValueIndex(this.block, this.vars.valueStart(index), this.vars.valueLength(index)) < 0;
	}

	/**
	 * Apply Netty's rule for header values ({@code HttpHeaderValidationUtil.validateValidHeaderValue})
	 * to bytes: no control characters but HTAB (CR, LF and NUL among them), no DEL, no leading white
	 * space. Sixteen bytes are checked at a time, the last words overlapping the ones before them
	 * (a value under 8 bytes is padded with valid bytes); only a value with a suspicious word (a
	 * byte below {@code 0x20}, HTAB included, or a DEL) is looked at byte by byte.
	 * @return the index of the first invalid byte from {@code start}, or -1 when all are valid
	 */
	public static int invalidValueIndex(byte[] bytes, int start, int length) {
		if (length == 0) {
			return -1;
		}
		int first = bytes[start] & 0xFF;
		if (first < 0x21 || first == 0x7F) {
			return 0;
		}
		int end = start + length;
		boolean suspicious;
		if (length >= Long.BYTES) {
			int i = start;
			while (i < end - 2 * Long.BYTES && !hasControlOrDelete((long) LONGS.get(bytes, i),
					(long) LONGS.get(bytes, i + Long.BYTES))) {
				i += 2 * Long.BYTES;
			}
			suspicious = i < end - 2 * Long.BYTES || hasControlOrDelete(
					(long) LONGS.get(bytes, Math.min(i, end - Long.BYTES)), (long) LONGS.get(bytes, end - Long.BYTES));
		}
		else if (start + Long.BYTES <= bytes.length) {
			long valueBytes = (1L << (length * Byte.SIZE)) - 1;
			long word = ((long) LONGS.get(bytes, start) & valueBytes) | ('A' * ONES & ~valueBytes);
			suspicious = hasControlOrDelete(word, word);
		}
		else {
			suspicious = true;
		}
		if (!suspicious) {
			return -1;
		}
		int invalid = invalidByteIndex(bytes, start + 1, end);
		return (invalid >= 0) ? invalid - start : -1;
	}

	/**
	 * Return whether any byte of two words is below {@code 0x20} or is {@code 0x7F}: the classic
	 * "has a zero byte" test, for {@code b - 0x20} and for {@code b ^ 0x7F}. A byte with its high
	 * bit set never counts.
	 */
	private static boolean hasControlOrDelete(long first, long second) {
		return ((controlOrDelete(first) | controlOrDelete(second)) & HIGH_BITS) != 0;
	}

	private static long controlOrDelete(long word) {
		long delete = word ^ 0x7F7F7F7F7F7F7F7FL;
		return ((word - 0x20 * ONES) & ~word) | ((delete - ONES) & ~delete);
	}

	private static int invalidByteIndex(byte[] bytes, int from, int to) {
		for (int i = from; i < to; i++) {
			int b = bytes[i] & 0xFF;
			if ((b < 0x20 && b != 0x09) || b == 0x7F) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * Return the usual spelling of the header a var carries: {@code HTTP_X_FORWARDED_FOR} is
	 * {@code X-Forwarded-For}.
	 */
	public static String headerName(String varName) {
		String known = HEADER_NAMES.get(varName);
		if (known != null) {
			return known;
		}
		String name = spell(varName);
		if (HEADER_NAMES.size() < MAX_CACHED_HEADER_NAMES) {
			HEADER_NAMES.put(varName, name);
		}
		return name;
	}

	/**
	 * Spell a header name from the name of a var that the mapper accepted as a header.
	 */
	private static String spell(String varName) {
		char[] name = new char[varName.length() - HTTP_PREFIX_LENGTH];
		boolean wordStart = true;
		for (int i = 0; i < name.length; i++) {
			char c = varName.charAt(HTTP_PREFIX_LENGTH + i);
			if (c == '_' || c == '-') {
				name[i] = '-';
				wordStart = true;
			}
			else {
				name[i] = wordStart ? Character.toUpperCase(c) : Character.toLowerCase(c);
				wordStart = false;
			}
		}
		return new String(name);
	}

	private static void checkUri(String uri) {
		for (int i = 0; i < uri.length(); i++) {
			char c = uri.charAt(i);
			if (c <= ' ' || c == 0x7F) {
				throw new UwsgiProtocolException(Reason.INVALID_REQUEST_URI,
						String.format(Locale.ROOT, "character 0x%02X in %s", (int) c, abbreviate(uri)));
			}
		}
	}

	private static boolean isToken(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean alphanumeric = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
			if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Percent-encode a decoded path ({@code PATH_INFO}, {@code SCRIPT_NAME}) whose chars are wire
	 * bytes, keeping the characters RFC 3986 allows in a path.
	 */
	static String encodePath(String path) {
		StringBuilder encoded = null;
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if (isPathChar(c)) {
				if (encoded != null) {
					encoded.append(c);
				}
				continue;
			}
			if (encoded == null) {
				encoded = new StringBuilder(path.length() + 16).append(path, 0, i);
			}
			encoded.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
				.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
		}
		return (encoded != null) ? encoded.toString() : path;
	}

	private static boolean isPathChar(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				|| "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
	}

	static String abbreviate(String value) {
		return (value.length() <= 64) ? value : value.substring(0, 64) + "...";
	}

}
