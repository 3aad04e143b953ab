package io.github.uwsgispringboot.codec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map.Entry;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import io.netty.handler.codec.CharSequenceValueConverter;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The headers of a {@link UwsgiHttpRequest}, read from its vars when asked for: each
 * {@code HTTP_*} var is a header whose name is spelled from the var's ({@code HTTP_X_FORWARDED_FOR}
 * is {@code X-Forwarded-For}), except the hop-by-hop ones; {@code Cookie}, {@code Content-Type},
 * {@code Content-Length}, {@code Host} and, for a WebSocket upgrade, {@code Upgrade} and
 * {@code Connection} are set from the vars that tell them (see {@link UwsgiRequestMapper}).
 * <p>
 * Reading one header ({@code get}, {@code getAll}, {@code contains}, {@code containsValue} ...)
 * looks at the vars whose name can match and makes a {@code String} for the values returned only.
 * Listing the headers or changing them first copies them into Netty's {@code DefaultHttpHeaders},
 * in the order and with the values an eagerly built one has, and works on that copy from then on.
 */
final class UwsgiRequestHeaders extends HttpHeaders {

	/** Validated already: the mapper checked every value and every name the headers are spelled from. */
	private static final DefaultHttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
		.withValidation(false);

	private static final String HTTP_COOKIE = "HTTP_COOKIE";

	private final UwsgiVars vars;

	/** A bit per {@link #nameHash} of the header vars' names: a name whose bit is clear is not sent. */
	private final long nameHashes;

	private final int firstCookie;

	private final int cookies;

	private final int contentType;

	private final long contentLength;

	private final String host;

	private final boolean webSocket;

	private String cookie;

	/** The headers as Netty's, once listed or changed. */
	private volatile HttpHeaders netty;

	/**
	 * Create the headers of a request.
	 * @param vars the vars
	 * @param nameHashes a bit for the {@link #nameHash} of every header var's name
	 * @param firstCookie the index of the first {@code HTTP_COOKIE} var, -1 when none was sent
	 * @param cookies the number of {@code HTTP_COOKIE} vars
	 * @param contentType the index of the var holding the {@code Content-Type}, -1 for none
	 * @param contentLength the length of the body
	 * @param host the {@code Host}, {@code null} for none
	 * @param webSocket whether the request is a WebSocket upgrade the proxy can tunnel
	 */
	UwsgiRequestHeaders(UwsgiVars vars, long nameHashes, int firstCookie, int cookies, int contentType,
			long contentLength, String host, boolean webSocket) {
		this.vars = vars;
		this.nameHashes = nameHashes;
		this.firstCookie = firstCookie;
		this.cookies = cookies;
		this.contentType = contentType;
		this.contentLength = contentLength;
		this.host = host;
		this.webSocket = webSocket;
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

	@Override
	public String get(String name) {
		return get((CharSequence) name);
	}

	@Override
	public String get(CharSequence name) {
		HttpHeaders copy = this.netty;
		if (copy != null) {
			return copy.get(name);
		}
		String value = setValue(name);
		if (value != null) {
			return value;
		}
		int index = find(name, 0);
		return (index >= 0) ? value(index) : null;
	}

	@Override
	public List<String> getAll(String name) {
		return getAll((CharSequence) name);
	}

	@Override
	public List<String> getAll(CharSequence name) {
		HttpHeaders copy = this.netty;
		if (copy != null) {
			return copy.getAll(name);
		}
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

	@Override
	public boolean contains(String name) {
		return contains((CharSequence) name);
	}

	@Override
	public boolean contains(CharSequence name) {
		HttpHeaders copy = this.netty;
		if (copy != null) {
			return copy.contains(name);
		}
		return setValue(name) != null || find(name, 0) >= 0;
	}

	@Override
	public boolean contains(String name, String value, boolean ignoreCase) {
		return contains((CharSequence) name, value, ignoreCase);
	}

	@Override
	public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
		HttpHeaders copy = this.netty;
		if (copy != null) {
			return copy.contains(name, value, ignoreCase);
		}
		for (String candidate : getAll(name)) {
			if (ignoreCase ? AsciiString.contentEqualsIgnoreCase(candidate, value)
					: AsciiString.contentEquals(candidate, value)) {
				return true;
			}
		}
		return false;
	}

	@Override
	public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
		HttpHeaders copy = this.netty;
		if (copy != null) {
			return copy.containsValue(name, value, ignoreCase);
		}
		for (String candidate : getAll(name)) {
			if (containsCommaSeparatedTrimmed(candidate, value, ignoreCase)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return whether one of the comma-separated elements of {@code value}, trimmed, is
	 * {@code expected}, as {@code DefaultHttpHeaders.containsValue} decides it.
	 */
	private static boolean containsCommaSeparatedTrimmed(String value, CharSequence expected, boolean ignoreCase) {
		int begin = 0;
		for (int end = value.indexOf(','); end >= 0; end = value.indexOf(',', begin)) {
			if (trimmedEquals(value.substring(begin, end), expected, ignoreCase)) {
				return true;
			}
			begin = end + 1;
		}
		return (begin == 0 || begin < value.length()) && trimmedEquals(value.substring(begin), expected, ignoreCase);
	}

	private static boolean trimmedEquals(String element, CharSequence expected, boolean ignoreCase) {
		CharSequence trimmed = AsciiString.trim(element);
		return ignoreCase ? AsciiString.contentEqualsIgnoreCase(trimmed, expected)
				: AsciiString.contentEquals(trimmed, expected);
	}

	@Override
	public Integer getInt(CharSequence name) {
		return convert(name, CharSequenceValueConverter.INSTANCE::convertToInt);
	}

	@Override
	public int getInt(CharSequence name, int defaultValue) {
		return Objects.requireNonNullElse(getInt(name), defaultValue);
	}

	@Override
	public Short getShort(CharSequence name) {
		return convert(name, CharSequenceValueConverter.INSTANCE::convertToShort);
	}

	@Override
	public short getShort(CharSequence name, short defaultValue) {
		return Objects.requireNonNullElse(getShort(name), defaultValue);
	}

	@Override
	public Long getTimeMillis(CharSequence name) {
		return convert(name, CharSequenceValueConverter.INSTANCE::convertToTimeMillis);
	}

	@Override
	public long getTimeMillis(CharSequence name, long defaultValue) {
		return Objects.requireNonNullElse(getTimeMillis(name), defaultValue);
	}

	/**
	 * Convert the first value of a header as Netty's headers do: {@code null} when there is none
	 * or it does not convert.
	 */
	private <T> T convert(CharSequence name, Function<CharSequence, T> converter) {
		String value = get(name);
		try {
			return (value != null) ? converter.apply(value) : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	@Override
	public boolean isEmpty() {
		HttpHeaders copy = this.netty;
		if (copy != null) {
			return copy.isEmpty();
		}
		return this.nameHashes == 0 && this.firstCookie < 0 && this.contentType < 0 && this.contentLength <= 0
				&& this.host == null && !this.webSocket;
	}

	/**
	 * Return the value of a header that the mapper sets rather than adds, replacing any header
	 * var that spells the same name.
	 * @return the value, {@code null} when {@code name} is none of those or was not set
	 */
	private String setValue(CharSequence name) {
		switch (name.length()) {
			case 4:
				return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST) ? this.host : null;
			case 6:
				return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.COOKIE) ? cookie() : null;
			case 7:
				return (this.webSocket && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE))
						? "websocket" : null;
			case 10:
				return (this.webSocket && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION))
						? "Upgrade" : null;
			case 12:
				return (this.contentType >= 0 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_TYPE))
						? value(this.contentType) : null;
			case 14:
				return (this.contentLength > 0
						&& AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH))
								? Long.toString(this.contentLength) : null;
			default:
				return null;
		}
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
		return KnownVar.of(block, start, length) == null;
	}

	private String value(int index) {
		return this.vars.string(this.vars.valueStart(index), this.vars.valueLength(index));
	}

	/**
	 * Return these headers as Netty's, copying them the first time.
	 */
	private HttpHeaders netty() {
		HttpHeaders copy = this.netty;
		if (copy == null) {
			copy = HEADERS.newHeaders();
			for (int i = 0; i < this.vars.size(); i++) {
				int nameStart = this.vars.nameStart(i);
				int nameLength = this.vars.nameLength(i);
				byte[] block = this.vars.block();
				if (UwsgiRequestMapper.isHeaderVar(block, nameStart, nameLength)
						&& KnownVar.of(block, nameStart, nameLength) == null) {
					copy.add(UwsgiRequestMapper.headerName(this.vars.name(i)), value(i));
				}
			}
			setIfPresent(copy, "Cookie", cookie());
			setIfPresent(copy, "Content-Type", (this.contentType >= 0) ? value(this.contentType) : null);
			if (this.contentLength > 0) {
				copy.set("Content-Length", this.contentLength);
			}
			setIfPresent(copy, "Host", this.host);
			if (this.webSocket) {
				copy.set("Upgrade", "websocket");
				copy.set("Connection", "Upgrade");
			}
			this.netty = copy;
		}
		return copy;
	}

	private static void setIfPresent(HttpHeaders headers, String name, String value) {
		if (value != null) {
			headers.set(name, value);
		}
	}

	@Override
	public List<Entry<String, String>> entries() {
		return netty().entries();
	}

	@Override
	@Deprecated
	public Iterator<Entry<String, String>> iterator() {
		return netty().iterator();
	}

	@Override
	public Iterator<Entry<CharSequence, CharSequence>> iteratorCharSequence() {
		return netty().iteratorCharSequence();
	}

	@Override
	public Iterator<String> valueStringIterator(CharSequence name) {
		return netty().valueStringIterator(name);
	}

	@Override
	public Iterator<? extends CharSequence> valueCharSequenceIterator(CharSequence name) {
		return netty().valueCharSequenceIterator(name);
	}

	@Override
	public int size() {
		return netty().size();
	}

	@Override
	public Set<String> names() {
		return netty().names();
	}

	@Override
	public HttpHeaders add(String name, Object value) {
		netty().add(name, value);
		return this;
	}

	@Override
	public HttpHeaders add(String name, Iterable<?> values) {
		netty().add(name, values);
		return this;
	}

	@Override
	public HttpHeaders addInt(CharSequence name, int value) {
		netty().addInt(name, value);
		return this;
	}

	@Override
	public HttpHeaders addShort(CharSequence name, short value) {
		netty().addShort(name, value);
		return this;
	}

	@Override
	public HttpHeaders set(String name, Object value) {
		netty().set(name, value);
		return this;
	}

	@Override
	public HttpHeaders set(String name, Iterable<?> values) {
		netty().set(name, values);
		return this;
	}

	@Override
	public HttpHeaders setInt(CharSequence name, int value) {
		netty().setInt(name, value);
		return this;
	}

	@Override
	public HttpHeaders setShort(CharSequence name, short value) {
		netty().setShort(name, value);
		return this;
	}

	@Override
	public HttpHeaders remove(String name) {
		netty().remove(name);
		return this;
	}

	@Override
	public HttpHeaders clear() {
		netty().clear();
		return this;
	}

	@Override
	public HttpHeaders copy() {
		return netty().copy();
	}

	@Override
	public String toString() {
		return netty().toString();
	}

}
