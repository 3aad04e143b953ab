package io.github.uwsgispringboot.codec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import io.github.uwsgispringboot.protocol.UwsgiRequestMapper;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * The headers of a request read from its vars on demand ({@link UwsgiRequestHeaders}) answer every
 * read exactly as the Netty {@code DefaultHttpHeaders} the mapper used to build eagerly, which
 * {@link #eagerHeaders} rebuilds here as the mapper did; listing or changing them works on such a
 * copy.
 */
class UwsgiRequestHeadersTests {

	/** Names asked for: sent, set by the mapper, hop-by-hop, absent, in several spellings. */
	private static final List<String> NAMES = List.of("Host", "host", "HOST", "Connection", "connection", "Upgrade",
			"Content-Length", "content-length", "Transfer-Encoding", "Expect", "Keep-Alive", "TE", "Accept", "accept",
			"ACCEPT", "Origin", "Content-Type", "content-type", "Cookie", "cookie", "User-Agent", "user-agent",
			"User_Agent", "sec-ch-ua", "Sec-Ch-Ua", "Sec-Fetch-Mode", "X-Forwarded-For", "x-forwarded-for", "DNT",
			"dnt", "Sec-WebSocket-Key", "sec-websocket-key", "X-Dashed-Name", "X-B3-TraceId", "Max-Forwards",
			"If-Modified-Since", "Referer", "Accept-Language", "", "H", "Hos", "Hosts", "X", "\u0100ost");

	static Stream<Arguments> packets() {
		return Stream.of(arguments("nginx, a browser's navigation", nginx()),
				arguments("Apache, cookies joined with a comma", vars("GET", "/").add("HTTP_HOST", "example.com")
					.add("HTTP_COOKIE", "a=1, b=2; c=3")
					.add("SCRIPT_FILENAME", "proxy:uwsgi://localhost:8000/")
					.add("HTTP_ACCEPT", "text/html, application/json")),
				arguments("repeated headers, one var each", vars("GET", "/").add("HTTP_HOST", "example.com")
					.add("HTTP_ACCEPT", "text/html")
					.add("HTTP_COOKIE", "a=1")
					.add("HTTP_X_FORWARDED_FOR", "198.51.100.4")
					.add("HTTP_ACCEPT", "application/json")
					.add("HTTP_COOKIE", "b=2, c=3")
					.add("HTTP_X_FORWARDED_FOR", "203.0.113.9")),
				arguments("WebSocket upgrade through nginx", websocket()),
				arguments("WebSocket upgrade through Apache",
						websocket().add("SCRIPT_FILENAME", "proxy:uwsgi://localhost:8000/")),
				arguments("no Host: from SERVER_NAME and SERVER_PORT", vars("GET", "/").add("SERVER_NAME", "example.com")
					.add("SERVER_PORT", "8080")
					.add("HTTP_ACCEPT", "*/*")),
				arguments("no headers at all", vars("GET", "/")),
				arguments("Content-Type from HTTP_CONTENT_TYPE", vars("POST", "/").add("CONTENT_LENGTH", "3")
					.add("CONTENT_TYPE", "")
					.add("HTTP_CONTENT_TYPE", "text/plain")
					.add("HTTP_CONTENT_LENGTH", "3")
					.add("HTTP_HOST", "example.com")),
				arguments("Content-Type from CONTENT_TYPE", vars("POST", "/").add("CONTENT_LENGTH", "007")
					.add("CONTENT_TYPE", "application/json")
					.add("HTTP_CONTENT_TYPE", "text/plain")
					.add("HTTP_TRANSFER_ENCODING", "chunked")
					.add("HTTP_EXPECT", "100-continue")
					.add("HTTP_MAX_FORWARDS", "10")
					.add("HTTP_IF_MODIFIED_SINCE", "Sun, 06 Nov 1994 08:49:37 GMT")),
				arguments("names in other spellings than nginx's", vars("GET", "/").add("HTTP_host", "other.example")
					.add("HTTP_content_type", "text/plain")
					.add("HTTP_Connection", "close")
					.add("HTTP_cookie", "x=1")
					.add("HTTP_X-Dashed_Name", "1")
					.add("HTTP_X_B3_TRACEID", "80f198ee56343ba864fe8b2a57d3eff7")
					.add("HTTP_dnt", "1")
					.add("HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==")
					.add("HTTP_ACCEPT", "")),
				arguments("names in other spellings, nothing set over them", vars("GET", "/").add("HTTP_host", "a")
					.add("HTTP_content_length", "12")
					.add("HTTP_upgrade", "websocket")
					.add("HTTP_connection", "Upgrade")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("packets")
	void everyReadAnswersAsTheEagerlyBuiltHeaders(String description, UwsgiVars.Builder builder) {
		UwsgiVars vars = builder.build();
		HttpHeaders lazy = UwsgiHttpRequest.from(vars).headers();
		HttpHeaders eager = eagerHeaders(vars);
		assertThat(lazy).isInstanceOf(UwsgiRequestHeaders.class);
		Set<String> names = new LinkedHashSet<>(NAMES);
		eager.names().forEach(names::add);
		for (String name : names) {
			for (CharSequence spelling : List.of(name, AsciiString.of(name))) {
				assertSameRead(lazy, eager, spelling, (headers) -> headers.get(spelling));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.getAll(spelling));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.contains(spelling));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.getInt(spelling));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.getInt(spelling, -1));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.getShort(spelling));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.getShort(spelling, (short) -1));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.getTimeMillis(spelling));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.getTimeMillis(spelling, -1));
				assertSameRead(lazy, eager, spelling, (headers) -> headers.get(spelling, "default"));
				for (String value : values(eager, name)) {
					for (boolean ignoreCase : new boolean[] { true, false }) {
						assertSameRead(lazy, eager, spelling + "=" + value,
								(headers) -> headers.contains(spelling, value, ignoreCase));
						assertSameRead(lazy, eager, spelling + "~" + value,
								(headers) -> headers.containsValue(spelling, value, ignoreCase));
					}
				}
			}
		}
		assertThat(lazy.isEmpty()).isEqualTo(eager.isEmpty());
		assertThat(strings(lazy.entries())).isEqualTo(strings(eager.entries()));
		assertThat(new ArrayList<>(lazy.names())).isEqualTo(new ArrayList<>(eager.names()));
		assertThat(lazy.size()).isEqualTo(eager.size());
		assertThat(lazy.toString()).isEqualTo(eager.toString());
		assertThat(strings(lazy.copy().entries())).isEqualTo(strings(eager.entries()));
		assertThat(entries(lazy.iteratorCharSequence())).isEqualTo(entries(eager.iteratorCharSequence()));
		assertThat(lazy.valueStringIterator("Accept")).toIterable()
			.containsExactlyElementsOf(() -> eager.valueStringIterator("Accept"));
	}

	@Test
	void readingOneHeaderLeavesTheOthersUnread() {
		UwsgiRequestHeaders headers = (UwsgiRequestHeaders) UwsgiHttpRequest.from(nginx().build()).headers();
		assertThat(headers.get("Accept")).startsWith("text/html");
		assertThat(ReflectionTestUtils.getField(headers, "netty")).isNull();
		assertThat(headers.names()).contains("Accept", "Host", "Cookie");
		assertThat(ReflectionTestUtils.getField(headers, "netty")).isNotNull();
	}

	@Test
	void addingAHeaderKeepsTheOthers() {
		UwsgiVars vars = nginx().build();
		HttpHeaders headers = UwsgiHttpRequest.from(vars).headers();
		HttpHeaders expected = eagerHeaders(vars).add("X-Request-Id", "42");
		headers.add("X-Request-Id", "42");
		assertThat(headers.get("X-Request-Id")).isEqualTo("42");
		assertThat(strings(headers.entries())).isEqualTo(strings(expected.entries()));
		assertThat(vars.get("HTTP_X_REQUEST_ID")).isNull();
	}

	@Test
	void everyChangeAppliesToTheCopy() {
		HttpHeaders headers = UwsgiHttpRequest.from(nginx().build()).headers();
		headers.set("Accept", "application/json").remove("Cookie").setInt("Max-Forwards", 3).addShort("X-Short", (short) 7);
		headers.add("X-List", List.of("a", "b")).set("Host", List.of("other.example"));
		assertThat(headers.getAll("Accept")).containsExactly("application/json");
		assertThat(headers.contains("Cookie")).isFalse();
		assertThat(headers.getInt("Max-Forwards")).isEqualTo(3);
		assertThat(headers.getShort("X-Short")).isEqualTo((short) 7);
		assertThat(headers.getAll("X-List")).containsExactly("a", "b");
		assertThat(headers.get("Host")).isEqualTo("other.example");
		assertThat(headers.contains("User-Agent")).isTrue();
		headers.clear();
		assertThat(headers.isEmpty()).isTrue();
		assertThat(headers.get("User-Agent")).isNull();
	}

	@Test
	void removingThroughAValueIteratorAppliesToTheCopy() {
		UwsgiVars vars = vars("GET", "/").add("HTTP_ACCEPT", "a").add("HTTP_ACCEPT", "b").build();
		HttpHeaders headers = UwsgiHttpRequest.from(vars).headers();
		HttpHeaders expected = eagerHeaders(vars);
		for (HttpHeaders each : List.of(headers, expected)) {
			var values = each.valueStringIterator("Accept");
			values.next();
			values.remove();
		}
		assertThat(headers.getAll("Accept")).hasSize(1).isEqualTo(expected.getAll("Accept"));
	}

	@Test
	void theFirstValueOfARepeatedHeaderIsItsValue() {
		HttpHeaders headers = UwsgiHttpRequest.from(vars("GET", "/").add("HTTP_ACCEPT", "text/html")
			.add("HTTP_USER_AGENT", "curl")
			.add("HTTP_ACCEPT", "application/json")
			.build()).headers();
		assertThat(headers.get("accept")).isEqualTo("text/html");
		assertThat(headers.getAll("ACCEPT")).containsExactly("text/html", "application/json");
	}

	private static void assertSameRead(HttpHeaders lazy, HttpHeaders eager, CharSequence what,
			Function<HttpHeaders, Object> read) {
		assertThat(outcome(lazy, read)).as("%s", what).isEqualTo(outcome(eager, read));
	}

	/** The result of a read, or the class of what it threw (Netty throws for a date it cannot parse). */
	private static Object outcome(HttpHeaders headers, Function<HttpHeaders, Object> read) {
		try {
			Object result = read.apply(headers);
			return (result instanceof List<?> list) ? new ArrayList<>(list) : result;
		}
		catch (Exception ex) {
			return ex.getClass();
		}
	}

	/** Values worth asking about: the header's own, its comma-separated elements, in other cases. */
	private static Set<String> values(HttpHeaders headers, String name) {
		Set<String> values = new LinkedHashSet<>(List.of("", "close", "keep-alive", "Upgrade", "websocket",
				"100-continue", "chunked", "nothing"));
		for (String value : headers.getAll(name)) {
			values.add(value);
			values.add(value.toUpperCase(Locale.ROOT));
			for (String element : value.split(",")) {
				values.add(element.trim());
				values.add(element.trim().toUpperCase(Locale.ROOT));
			}
		}
		return values;
	}

	private static List<Map.Entry<String, String>> strings(List<Map.Entry<String, String>> entries) {
		return entries.stream().map((entry) -> Map.entry(entry.getKey(), entry.getValue())).toList();
	}

	private static List<Map.Entry<String, String>> entries(
			java.util.Iterator<Map.Entry<CharSequence, CharSequence>> iterator) {
		List<Map.Entry<String, String>> entries = new ArrayList<>();
		iterator.forEachRemaining((entry) -> entries.add(Map.entry(entry.getKey().toString(), entry.getValue().toString())));
		return entries;
	}

	/**
	 * Build the headers of a valid request the way the mapper built them before it read them on
	 * demand: every {@code HTTP_*} var but the hop-by-hop ones added in order, then the headers it
	 * sets.
	 */
	private static HttpHeaders eagerHeaders(UwsgiVars vars) {
		Set<String> hopByHop = Set.of("HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_PROXY_CONNECTION",
				"HTTP_TRANSFER_ENCODING", "HTTP_TE", "HTTP_TRAILER", "HTTP_UPGRADE", "HTTP_EXPECT");
		HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
		StringBuilder cookies = null;
		String fallbackContentType = null;
		for (int i = 0; i < vars.size(); i++) {
			String name = vars.name(i);
			String value = vars.value(i);
			if (!name.startsWith("HTTP_") || hopByHop.contains(name) || name.equals("HTTP_HOST")
					|| name.equals("HTTP_CONTENT_LENGTH")) {
				continue;
			}
			String folded = name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
			if (!folded.equals(name) && (hopByHop.contains(folded) || Set.of("HTTP_HOST", "HTTP_CONTENT_LENGTH",
					"HTTP_CONTENT_TYPE", "HTTP_COOKIE").contains(folded))) {
				// another spelling of a header only its exact var gives, or of a hop-by-hop one: dropped
				continue;
			}
			if (name.equals("HTTP_CONTENT_TYPE")) {
				fallbackContentType = value;
			}
			else if (name.equals("HTTP_COOKIE")) {
				String pairs = value.replace(", ", "; ");
				cookies = (cookies != null) ? cookies.append("; ").append(pairs) : new StringBuilder(pairs);
			}
			else {
				headers.add(UwsgiRequestMapper.headerName(name), value);
			}
		}
		if (cookies != null) {
			headers.set("Cookie", cookies.toString());
		}
		String contentType = vars.get("CONTENT_TYPE");
		contentType = (contentType != null && !contentType.isEmpty()) ? contentType : fallbackContentType;
		if (contentType != null && !contentType.isEmpty()) {
			headers.set("Content-Type", contentType);
		}
		String contentLength = vars.get("CONTENT_LENGTH");
		if (contentLength != null && !contentLength.isEmpty() && Long.parseLong(contentLength) > 0) {
			headers.set("Content-Length", Long.parseLong(contentLength));
		}
		String host = vars.get("HTTP_HOST");
		if (host == null || host.isEmpty()) {
			String serverName = vars.get("SERVER_NAME");
			String port = vars.get("SERVER_PORT");
			host = (serverName == null) ? "" : serverName + ((port == null || port.equals("80")) ? "" : ":" + port);
		}
		if (!host.isEmpty()) {
			headers.set("Host", host);
		}
		String scriptFilename = vars.get("SCRIPT_FILENAME");
		if ("GET".equals(vars.get("REQUEST_METHOD")) && "websocket".equalsIgnoreCase(vars.get("HTTP_UPGRADE"))
				&& (scriptFilename == null || !scriptFilename.startsWith("proxy:uwsgi://"))) {
			headers.set("Upgrade", "websocket");
			headers.set("Connection", "Upgrade");
		}
		return headers;
	}

	/** The packet nginx 1.22 sends for a browser's navigation, with Debian's {@code uwsgi_params}. */
	private static UwsgiVars.Builder nginx() {
		return UwsgiVars.builder()
			.add("QUERY_STRING", "lang=en")
			.add("REQUEST_METHOD", "GET")
			.add("CONTENT_TYPE", "")
			.add("CONTENT_LENGTH", "")
			.add("REQUEST_URI", "/hello?lang=en")
			.add("PATH_INFO", "/hello")
			.add("DOCUMENT_ROOT", "/usr/share/nginx/html")
			.add("SERVER_PROTOCOL", "HTTP/1.1")
			.add("REQUEST_SCHEME", "http")
			.add("REMOTE_ADDR", "192.0.2.44")
			.add("REMOTE_PORT", "51544")
			.add("SERVER_PORT", "80")
			.add("SERVER_NAME", "example.com")
			.add("HTTP_HOST", "example.com")
			.add("HTTP_CONNECTION", "keep-alive")
			.add("HTTP_SEC_CH_UA", "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"")
			.add("HTTP_SEC_CH_UA_MOBILE", "?0")
			.add("HTTP_UPGRADE_INSECURE_REQUESTS", "1")
			.add("HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
			.add("HTTP_ACCEPT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
			.add("HTTP_SEC_FETCH_MODE", "navigate")
			.add("HTTP_REFERER", "http://example.com/")
			.add("HTTP_ACCEPT_ENCODING", "gzip, deflate")
			.add("HTTP_ACCEPT_LANGUAGE", "en-US,en;q=0.9")
			.add("HTTP_COOKIE", "SESSION=5f0c2a8e; theme=dark; _ga=GA1.1.1234567890.1712345678");
	}

	private static UwsgiVars.Builder websocket() {
		return vars("GET", "/chat").add("HTTP_HOST", "example.com")
			.add("HTTP_UPGRADE", "websocket")
			.add("HTTP_CONNECTION", "Upgrade")
			.add("HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==")
			.add("HTTP_SEC_WEBSOCKET_VERSION", "13")
			.add("HTTP_ORIGIN", "http://example.com");
	}

	private static UwsgiVars.Builder vars(String method, String uri) {
		return UwsgiVars.builder().add("REQUEST_METHOD", method).add("REQUEST_URI", uri);
	}

}
