package io.github.uwsgispringboot.codec;

import java.util.Iterator;
import java.util.List;
import java.util.Map.Entry;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import io.netty.handler.codec.CharSequenceValueConverter;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import io.github.uwsgispringboot.protocol.UwsgiRequest;

/**
 * The headers of a {@link UwsgiHttpRequest} as Netty's {@code HttpHeaders}: reading one header
 * ({@code get}, {@code getAll}, {@code contains}, {@code containsValue} ...) asks the
 * {@link UwsgiRequest}, which reads it from the vars and makes a {@code String} for the values
 * returned only. Listing the headers or changing them first copies them into Netty's
 * {@code DefaultHttpHeaders}, in the order {@link UwsgiRequest#forEachHeader} gives, and works on
 * that copy from then on.
 */
final class UwsgiRequestHeaders extends HttpHeaders {

	/** Validated already: the protocol core checked every value and every name the headers are spelled from. */
	private static final DefaultHttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
		.withValidation(false);

	private final UwsgiRequest request;

	/** The headers as Netty's, once listed or changed. */
	private volatile HttpHeaders netty;

	UwsgiRequestHeaders(UwsgiRequest request) {
		this.request = request;
	}

	@Override
	public String get(String name) {
		return get((CharSequence) name);
	}

	@Override
	public String get(CharSequence name) {
		HttpHeaders copy = this.netty;
		return (copy != null) ? copy.get(name) : this.request.header(name);
	}

	@Override
	public List<String> getAll(String name) {
		return getAll((CharSequence) name);
	}

	@Override
	public List<String> getAll(CharSequence name) {
		HttpHeaders copy = this.netty;
		return (copy != null) ? copy.getAll(name) : this.request.headers(name);
	}

	@Override
	public boolean contains(String name) {
		return contains((CharSequence) name);
	}

	@Override
	public boolean contains(CharSequence name) {
		HttpHeaders copy = this.netty;
		return (copy != null) ? copy.contains(name) : this.request.header(name) != null;
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
		return (copy != null) ? copy.isEmpty() : this.request.hasNoHeaders();
	}

	/**
	 * Return these headers as Netty's, copying them the first time.
	 */
	private HttpHeaders netty() {
		HttpHeaders copy = this.netty;
		if (copy == null) {
			HttpHeaders headers = HEADERS.newHeaders();
			this.request.forEachHeader(headers::add);
			this.netty = headers;
			copy = headers;
		}
		return copy;
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
