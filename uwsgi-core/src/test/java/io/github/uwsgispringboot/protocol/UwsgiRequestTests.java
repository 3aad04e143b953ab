package io.github.uwsgispringboot.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UwsgiRequest}: the request an application sees for the vars nginx, Apache and
 * the uWSGI router send.
 */
class UwsgiRequestTests {

	// method

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "GET", "POST", "PUT", "HEAD", "DELETE", "PATCH", "OPTIONS", "M-SEARCH", "get", "GEX",
			"XET", "GXT", "POSX", "XOST", "PXST", "POXT", "A", "Z", "a", "z", "0", "9", "AZaz09!#$%&'*+-.^_`|~" })
	void methodIsAnyToken(String method) {
		assertThat(request("REQUEST_METHOD", method, "REQUEST_URI", "/").method()).isEqualTo(method);
	}

	@Test
	void methodAsTheLastBytesOfTheBlockIsRead() {
		assertThat(UwsgiRequest.from(UwsgiVars.builder().add("REQUEST_URI", "/").add("REQUEST_METHOD", "PUT").build())
			.method()).isEqualTo("PUT");
		assertThat(UwsgiRequest.from(UwsgiVars.builder().add("REQUEST_URI", "/").add("REQUEST_METHOD", "GE").build())
			.method()).isEqualTo("GE");
	}

	@ParameterizedTest(name = "''{0}''")
	@ValueSource(strings = { "", "GET ", " GET", "GE T", "G\u0000T", "@", "[", "{", "/", ":", "\u007F", "\u00C9", "a,b",
			"\"" })
	void methodThatIsNoTokenIsRefused(String method) {
		assertRefused(get().add("REQUEST_METHOD", method), Reason.INVALID_REQUEST_METHOD, "REQUEST_METHOD=" + method);
	}

	@Test
	void requestWithoutMethodIsRefused() {
		assertRefused(UwsgiVars.builder().add("REQUEST_URI", "/"), Reason.INVALID_REQUEST_METHOD, "REQUEST_METHOD=null");
	}

	// request target

	@Test
	void requestUriIsKeptRaw() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "REQUEST_URI", "/a%20b/%2F..%2F?q=caf%C3%A9&x",
				"PATH_INFO", "/a b///", "QUERY_STRING", "ignored=1");
		assertThat(request.uri()).isEqualTo("/a%20b/%2F..%2F?q=caf%C3%A9&x");
		assertThat(request).hasToString("GET /a%20b/%2F..%2F?q=caf%C3%A9&x");
	}

	@Test
	void withoutRequestUriPathInfoIsPercentEncodedAndQueryStringAppended() {
		// PATH_INFO holds decoded UTF-8 bytes, read as ISO-8859-1: "café x" is c a f C3 A9 20 x
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "PATH_INFO", "/caf\u00C3\u00A9 x%?#[]\"<>\\^`{|}",
				"QUERY_STRING", "a=1&b=%20");
		assertThat(request.uri()).isEqualTo("/caf%C3%A9%20x%25%3F%23%5B%5D%22%3C%3E%5C%5E%60%7B%7C%7D?a=1&b=%20");
	}

	@Test
	void charactersAPathMayHoldAreNotEncoded() {
		String path = "/azAZ09-._~!$&'()*+,;=:@/";
		assertThat(request("REQUEST_METHOD", "GET", "PATH_INFO", path).uri()).isEqualTo(path);
		assertThat(request("REQUEST_METHOD", "GET", "PATH_INFO", "/\u0001\u00FF").uri()).isEqualTo("/%01%FF");
	}

	@Test
	void emptyRequestUriFallsBackToPathInfo() {
		assertThat(request("REQUEST_METHOD", "GET", "REQUEST_URI", "", "PATH_INFO", "/p").uri()).isEqualTo("/p");
	}

	@Test
	void withoutRequestUriOrPathInfoTheUriIsRoot() {
		assertThat(request("REQUEST_METHOD", "GET").uri()).isEqualTo("/");
		assertThat(request("REQUEST_METHOD", "GET", "PATH_INFO", "").uri()).isEqualTo("/");
		assertThat(request("REQUEST_METHOD", "GET", "QUERY_STRING", "a=1").uri()).isEqualTo("/?a=1");
		assertThat(request("REQUEST_METHOD", "GET", "PATH_INFO", "/p", "QUERY_STRING", "").uri()).isEqualTo("/p");
	}

	@ParameterizedTest(name = "0x{0}")
	@ValueSource(ints = { 0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x7F })
	void requestUriWithASpaceOrAControlCharacterIsRefused(int c) {
		String uri = "/a" + (char) c + "b";
		assertRefused(get().add("REQUEST_URI", uri), Reason.INVALID_REQUEST_URI,
				String.format("character 0x%02X in %s", c, uri));
	}

	@Test
	void pathInfoWithAControlCharacterIsEncodedButAQueryStringWithOneIsRefused() {
		assertThat(request("REQUEST_METHOD", "GET", "PATH_INFO", "/a\u007F").uri()).isEqualTo("/a%7F");
		assertRefused(UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("QUERY_STRING", "a b"),
				Reason.INVALID_REQUEST_URI, "character 0x20 in /?a b");
	}

	@Test
	void requestUriWithOtherBytesIsKept() {
		assertThat(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/!~\u0080\u00FF").uri()).isEqualTo("/!~\u0080\u00FF");
	}

	@Test
	void invalidRequestUriOf64CharactersIsNotAbbreviated() {
		String uri = "/" + "a".repeat(62) + " ";
		assertRefused(get().add("REQUEST_URI", uri), Reason.INVALID_REQUEST_URI, "character 0x20 in " + uri);
	}

	@Test
	void longInvalidRequestUriIsAbbreviatedInTheRefusal() {
		String uri = "/" + "a".repeat(100) + " ";
		assertRefused(get().add("REQUEST_URI", uri), Reason.INVALID_REQUEST_URI,
				"character 0x20 in /" + "a".repeat(63) + "...");
	}

	// mount prefix

	@Test
	void scriptNameAlreadyInRequestUriIsNotDoubled() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app", "REQUEST_URI", "/app/orders?id=1");
		assertThat(request.contextPath()).isEqualTo("/app");
		assertThat(request.uri()).isEqualTo("/app/orders?id=1");
	}

	@Test
	void scriptNameIsPrefixedToRequestUriWithoutIt() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app", "REQUEST_URI", "/orders?id=1");
		assertThat(request.contextPath()).isEqualTo("/app");
		assertThat(request.uri()).isEqualTo("/app/orders?id=1");
	}

	@Test
	void scriptNameIsPrefixedToPathInfo() {
		assertThat(request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app", "PATH_INFO", "/orders").uri())
			.isEqualTo("/app/orders");
		assertThat(request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app").uri()).isEqualTo("/app/");
	}

	@Test
	void scriptNameIsPrefixedWithASlashToARequestUriWithoutOne() {
		assertThat(request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app", "REQUEST_URI", "orders").uri())
			.isEqualTo("/app/orders");
		assertThat(request("REQUEST_METHOD", "OPTIONS", "SCRIPT_NAME", "/app", "REQUEST_URI", "*").uri())
			.isEqualTo("/app/*");
	}

	@Test
	void scriptNameMatchesWholePathSegmentsOnly() {
		assertThat(request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app", "REQUEST_URI", "/application").uri())
			.isEqualTo("/app/application");
	}

	@Test
	void scriptNameEqualToRequestUriIsNotDoubled() {
		assertThat(request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app", "REQUEST_URI", "/app").uri())
			.isEqualTo("/app");
		assertThat(request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app", "REQUEST_URI", "/app?x=1").uri())
			.isEqualTo("/app?x=1");
	}

	@Test
	void trailingSlashesOfScriptNameAreStripped() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app//", "REQUEST_URI", "/app/orders");
		assertThat(request.contextPath()).isEqualTo("/app");
		assertThat(request.uri()).isEqualTo("/app/orders");
	}

	@ParameterizedTest(name = "SCRIPT_NAME=''{0}''")
	@ValueSource(strings = { "", "/", "//" })
	void rootScriptNameIsNoContextPath(String scriptName) {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "REQUEST_URI", "/x", "SCRIPT_NAME", scriptName);
		assertThat(request.contextPath()).isEmpty();
		assertThat(request.uri()).isEqualTo("/x");
	}

	@Test
	void scriptNameIsPercentEncodedLikeTheRequestUri() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/my app", "REQUEST_URI", "/my%20app/x");
		assertThat(request.contextPath()).isEqualTo("/my%20app");
		assertThat(request.uri()).isEqualTo("/my%20app/x");
	}

	@Test
	void scriptNameOfSlashesOnlyIsNoContextPathWhateverItsLength() {
		// 12,032 slashes: the value's length, 0x2F00, has a '/' as its high byte before the value
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/".repeat(0x2F00), "REQUEST_URI", "/x");
		assertThat(request.contextPath()).isEmpty();
		assertThat(request.uri()).isEqualTo("/x");
	}

	// scheme

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "HTTPS, on", "HTTPS, ON", "HTTPS, oN", "HTTPS, 1", "REQUEST_SCHEME, https", "REQUEST_SCHEME, HTTPS" })
	void schemeIsHttpsWhenTheProxySaysSo(String name, String value) {
		UwsgiRequest request = UwsgiRequest.from(get().add(name, value).build());
		assertThat(request.scheme()).isEqualTo("https");
		assertThat(request.isSecure()).isTrue();
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "HTTPS, off", "HTTPS, ''", "HTTPS, o", "HTTPS, onn", "HTTPS, 0", "HTTPS, 11", "HTTPS, true",
			"REQUEST_SCHEME, http", "REQUEST_SCHEME, ''", "REQUEST_SCHEME, httpz", "REQUEST_SCHEME, http$",
			"REQUEST_SCHEME, 'h\u0000tps'", "HTTP_X_FORWARDED_PROTO, https", "HTTP_HTTPS, on" })
	void schemeIsHttpOtherwise(String name, String value) {
		UwsgiRequest request = UwsgiRequest.from(get().add(name, value).build());
		assertThat(request.scheme()).isEqualTo("http");
		assertThat(request.isSecure()).isFalse();
	}

	@Test
	void lastHttpsVarWins() {
		assertThat(request("REQUEST_METHOD", "GET", "HTTPS", "on", "HTTPS", "off").scheme()).isEqualTo("http");
		assertThat(request("REQUEST_METHOD", "GET", "HTTPS", "off", "HTTPS", "on").scheme()).isEqualTo("https");
	}

	// host

	@Test
	void hostComesFromHttpHost() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_HOST", "example.com:8443", "SERVER_NAME", "backend",
				"SERVER_PORT", "80");
		assertThat(request.host()).isEqualTo("example.com:8443");
		assertThat(request.header("Host")).isEqualTo("example.com:8443");
		assertThat(request.headers("host")).containsExactly("example.com:8443");
	}

	@ParameterizedTest(name = "{0} {1}:{2} is {3}")
	@CsvSource({ "http, example.com, 8080, example.com:8080", "http, example.com, 80, example.com",
			"http, example.com, 443, example.com:443", "https, example.com, 443, example.com",
			"https, example.com, 80, example.com:80", "https, example.com, 8443, example.com:8443",
			"http, example.com, '', example.com", "http, 192.0.2.7, 3031, 192.0.2.7:3031" })
	void hostFallsBackToServerNameAndPort(String scheme, String serverName, String serverPort, String host) {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "REQUEST_SCHEME", scheme, "HTTP_HOST", "", "SERVER_NAME",
				serverName, "SERVER_PORT", serverPort);
		assertThat(request.host()).isEqualTo(host);
		assertThat(request.header("Host")).isEqualTo(host);
	}

	@Test
	void hostFromServerNameWithoutServerPortHasNoPort() {
		assertThat(request("REQUEST_METHOD", "GET", "SERVER_NAME", "example.com").host()).isEqualTo("example.com");
	}

	@Test
	void noHostWithoutHttpHostOrServerName() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_HOST", "", "SERVER_NAME", "", "SERVER_PORT", "80");
		assertThat(request.host()).isNull();
		assertThat(request.header("Host")).isNull();
		assertThat(request.headers("Host")).isEmpty();
		assertThat(request("REQUEST_METHOD", "GET").host()).isNull();
	}

	@Test
	void serverNameOrPortThatCannotBeAHostIsRefused() {
		assertRefused(get().add("SERVER_NAME", "example\u0001.com"), Reason.INVALID_HEADER,
				"character 0x01 at 7 in the value of HTTP_HOST");
		assertRefused(get().add("SERVER_NAME", "example.com").add("SERVER_PORT", "80\r\nX: y"), Reason.INVALID_HEADER,
				"character 0x0D at 14 in the value of HTTP_HOST");
	}

	// body

	@Test
	void contentLengthIsTheBodysLength() {
		UwsgiRequest request = request("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "5");
		assertThat(request.contentLength()).isEqualTo(5);
		assertThat(request.header("Content-Length")).isEqualTo("5");
		assertThat(request.headers("content-length")).containsExactly("5");
	}

	@Test
	void contentLengthOfEighteenDigitsIsAccepted() {
		assertThat(request("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "999999999999999999").contentLength())
			.isEqualTo(999_999_999_999_999_999L);
		assertThat(request("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "000000000000000007").contentLength())
			.isEqualTo(7);
	}

	@ParameterizedTest(name = "''{0}''")
	@ValueSource(strings = { "1234567890123456789", "-1", "+1", " 1", "1 ", "1.0", "0x10", "/", ":", "1a" })
	void contentLengthThatIsNoDecimalNumberIsRefused(String contentLength) {
		assertRefused(post(contentLength), Reason.INVALID_CONTENT_LENGTH, "CONTENT_LENGTH=" + contentLength);
	}

	@Test
	void everyDigitCounts() {
		assertThat(request("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "9081726354").contentLength())
			.isEqualTo(9_081_726_354L);
	}

	@Test
	void emptyOrMissingContentLengthMeansNoBody() {
		// nginx sends it empty on a GET, Apache does not send it
		for (UwsgiRequest request : List.of(request("REQUEST_METHOD", "GET", "CONTENT_LENGTH", ""),
				request("REQUEST_METHOD", "GET"), request("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "0"))) {
			assertThat(request.contentLength()).isZero();
			assertThat(request.header("Content-Length")).isNull();
		}
	}

	@Test
	void contentLengthComesFromContentLengthNotFromItsHttpCopy() {
		UwsgiRequest request = request("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "3", "HTTP_CONTENT_LENGTH", "3",
				"HTTP_CONTENT_LENGTH", "999");
		assertThat(request.contentLength()).isEqualTo(3);
		assertThat(request.headers("Content-Length")).containsExactly("3");
		UwsgiRequest noBody = request("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "0", "HTTP_CONTENT_LENGTH", "0");
		assertThat(noBody.header("Content-Length")).isNull();
		assertThat(noBody.hasNoHeaders()).isTrue();
	}

	@Test
	void chunkedBodyWithoutContentLengthIsRefusedAsLengthRequired() {
		assertRefused(get().add("HTTP_TRANSFER_ENCODING", "chunked"), Reason.LENGTH_REQUIRED,
				"HTTP_TRANSFER_ENCODING=chunked");
		assertRefused(post("").add("HTTP_TRANSFER_ENCODING", "chunked"), Reason.LENGTH_REQUIRED,
				"HTTP_TRANSFER_ENCODING=chunked");
		assertRefused(post("").add("HTTP_TRANSFER_ENCODING", "x".repeat(70)), Reason.LENGTH_REQUIRED,
				"HTTP_TRANSFER_ENCODING=" + "x".repeat(64) + "...");
	}

	@Test
	void chunkedBodyDeChunkedByTheProxyIsServedWithItsLength() {
		UwsgiRequest request = UwsgiRequest.from(post("5").add("HTTP_TRANSFER_ENCODING", "chunked").build());
		assertThat(request.contentLength()).isEqualTo(5);
		assertThat(request.header("Transfer-Encoding")).isNull();
		assertThat(UwsgiRequest.from(get().add("HTTP_TRANSFER_ENCODING", "").build()).contentLength()).isZero();
	}

	@Test
	void bodyOfTheMaximumSizeIsAccepted() {
		UwsgiLimits limits = new UwsgiLimits(1024, 16, 10, Duration.ZERO, Duration.ZERO);
		assertThat(UwsgiRequest.read(post("10").build().block(), limits).contentLength()).isEqualTo(10);
		assertThat(UwsgiRequest.read(post("").build().block(), limits.withMaxVarsSize(100)).contentLength()).isZero();
	}

	@Test
	void bodyOneBytePastTheMaximumIsRefusedAs413() {
		UwsgiLimits limits = new UwsgiLimits(1024, 16, 10, Duration.ZERO, Duration.ZERO);
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiRequest.read(post("11").build().block(), limits))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(Reason.BODY_TOO_LARGE);
				assertThat(ex).hasMessageEndingWith(": CONTENT_LENGTH=11, limit 10");
			});
	}

	@Test
	void maximumBodySizeOfZeroAcceptsOnlyRequestsWithoutBody() {
		UwsgiLimits limits = new UwsgiLimits(1024, 16, 0, Duration.ZERO, Duration.ZERO);
		assertThat(UwsgiRequest.read(post("0").build().block(), limits).contentLength()).isZero();
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiRequest.read(post("1").build().block(), limits))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.BODY_TOO_LARGE));
	}

	@Test
	void noMaximumBodySizeAcceptsAnyLength() {
		assertThat(UwsgiRequest.read(post("999999999999999999").build().block(), UwsgiLimits.NONE).contentLength())
			.isEqualTo(999_999_999_999_999_999L);
	}

	@Test
	void readChecksTheFramingAndTheVarCount() {
		UwsgiLimits twoVars = new UwsgiLimits(1024, 2, -1, Duration.ZERO, Duration.ZERO);
		UwsgiRequest request = UwsgiRequest.read(get().build().block(), twoVars);
		assertThat(request.method()).isEqualTo("GET");
		assertThat(request.vars()).isEqualTo(get().build());
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiRequest.read(get().add("HTTP_ACCEPT", "*/*").build().block(), twoVars))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.TOO_MANY_VARS));
		byte[] truncated = { 0x0E, 0x00, 'R', 'E', 'Q' }; // name length 14, 3 bytes of it
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiRequest.read(truncated, UwsgiLimits.NONE))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.MALFORMED_VARS));
	}

	@Test
	void requestOfAnNginxPacketIsReadInFull() {
		byte[] block = nginx().build().block();
		UwsgiRequest request = UwsgiRequest.read(block, UwsgiLimits.NONE);
		assertThat(request.method()).isEqualTo("GET");
		assertThat(request.uri()).isEqualTo("/hello?lang=en");
		assertThat(request.scheme()).isEqualTo("http");
		assertThat(request.host()).isEqualTo("example.com");
		assertThat(request.contextPath()).isEmpty();
		assertThat(request.contentLength()).isZero();
		assertThat(request.remoteAddress()).isEqualTo(new InetSocketAddress("192.0.2.44", 51544));
		assertThat(request.header("User-Agent")).startsWith("Mozilla/5.0");
		assertThat(request.header("Cookie")).isEqualTo("SESSION=5f0c2a8e; theme=dark");
		assertThat(request.header("Connection")).isNull();
		assertThat(request.isWebSocketUpgrade()).isFalse();
		assertThat(request.vars().size()).isEqualTo(nginx().build().size());
	}

	// headers

	@Test
	void httpVarBecomesAHeaderWithItsUsualSpelling() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_X_FORWARDED_FOR", "198.51.100.4");
		assertThat(request.header("X-Forwarded-For")).isEqualTo("198.51.100.4");
		assertThat(request.header("x-forwarded-for")).isEqualTo("198.51.100.4");
		assertThat(request.header("X-FORWARDED-FOR")).isEqualTo("198.51.100.4");
		assertThat(headerNames(request)).containsExactly("X-Forwarded-For");
	}

	@Test
	void irregularHeaderNamesKeepTheirUsualSpelling() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_DNT", "1", "HTTP_SEC_WEBSOCKET_KEY", "k",
				"HTTP_WWW_AUTHENTICATE", "Basic", "HTTP_ETAG", "\"1\"", "HTTP_CONTENT_MD5", "x",
				"HTTP_SEC_WEBSOCKET_VERSION", "13", "HTTP_SEC_WEBSOCKET_PROTOCOL", "chat",
				"HTTP_SEC_WEBSOCKET_EXTENSIONS", "e");
		assertThat(headerNames(request)).containsExactly("DNT", "Sec-WebSocket-Key", "WWW-Authenticate", "ETag",
				"Content-MD5", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions");
	}

	@Test
	void headerNamesAreSpelledWordByWord() {
		assertThat(UwsgiRequestMapper.headerName("HTTP_ACCEPT_LANGUAGE")).isEqualTo("Accept-Language");
		assertThat(UwsgiRequestMapper.headerName("HTTP_X_B3_TRACEID")).isEqualTo("X-B3-Traceid");
		assertThat(UwsgiRequestMapper.headerName("HTTP_x-dashed_NAME")).isEqualTo("X-Dashed-Name");
		assertThat(UwsgiRequestMapper.headerName("HTTP_A__B")).isEqualTo("A--B");
		assertThat(UwsgiRequestMapper.headerName("HTTP_9LIVES")).isEqualTo("9lives");
	}

	@Test
	void headerNamesAreSpelledTheSameWhenManyDifferentOnesWereSeen() {
		for (int i = 0; i < 1100; i++) {
			assertThat(UwsgiRequestMapper.headerName("HTTP_X_MANY_" + i)).isEqualTo("X-Many-" + i);
		}
		assertThat(UwsgiRequestMapper.headerName("HTTP_X_MANY_1099")).isEqualTo("X-Many-1099");
	}

	@Test
	void clientsCannotGrowTheCacheOfHeaderNamesWithoutBound() throws ReflectiveOperationException {
		java.lang.reflect.Field field = UwsgiRequestMapper.class.getDeclaredField("HEADER_NAMES");
		field.setAccessible(true);
		java.util.Map<?, ?> cache = (java.util.Map<?, ?>) field.get(null);
		for (int i = 0; i < 2000; i++) {
			UwsgiRequestMapper.headerName("HTTP_X_BOUND_" + i);
		}
		assertThat(cache).hasSize(1024);
	}

	@Test
	void repeatedHeaderVarIsARepeatedHeader() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_ACCEPT", "text/html", "HTTP_USER_AGENT", "curl",
				"HTTP_ACCEPT", "application/json");
		assertThat(request.header("accept")).isEqualTo("text/html");
		assertThat(request.headers("ACCEPT")).containsExactly("text/html", "application/json");
		assertThat(request.headers("User-Agent")).containsExactly("curl");
	}

	@Test
	void headerIsFoundOnlyUnderItsOwnName() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_USER_AGENT", "curl", "HTTP_ACCEPT", "*/*",
				"USER_AGENT", "cgi", "HTTP_X", "x");
		assertThat(request.header("User_Agent")).isNull();
		assertThat(request.header("User-Agen")).isNull();
		assertThat(request.header("User-Agents")).isNull();
		assertThat(request.header("Vser-Agent")).isNull();
		assertThat(request.header("User-Agenu")).isNull();
		assertThat(request.header("User+Agent")).isNull();
		assertThat(request.header("X")).isEqualTo("x");
		assertThat(request.header("")).isNull();
		assertThat(request.headers("User_Agent")).isEmpty();
		assertThat(request.headers("Accept")).containsExactly("*/*");
	}

	@Test
	void headerVarsInOtherSpellingsAreFound() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_X-Dashed_Name", "1", "HTTP_user_agent", "curl");
		assertThat(request.header("X-Dashed-Name")).isEqualTo("1");
		assertThat(request.header("x-dashed-name")).isEqualTo("1");
		assertThat(request.header("User-Agent")).isEqualTo("curl");
		assertThat(headerNames(request)).containsExactly("X-Dashed-Name", "User-Agent");
	}

	@Test
	void headerOfTheLengthOfAHeaderTheMapperSetsIsReadFromItsVar() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_HOST", "example.com", "HTTP_COOKIE", "a=1",
				"HTTP_UPGRADE", "websocket", "CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", "1", "HTTP_HOSX", "4",
				"HTTP_COOKIX", "6", "HTTP_UPGRADX", "7", "HTTP_CONNECTIOX", "10", "HTTP_CONTENT_TYPX", "12",
				"HTTP_CONTENT_LENGTX", "14");
		assertThat(request.header("Hosx")).isEqualTo("4");
		assertThat(request.header("Cookix")).isEqualTo("6");
		assertThat(request.header("Upgradx")).isEqualTo("7");
		assertThat(request.header("Connectiox")).isEqualTo("10");
		assertThat(request.header("Content-Typx")).isEqualTo("12");
		assertThat(request.header("Content-Lengtx")).isEqualTo("14");
		assertThat(request.header("Xost")).isNull();
		assertThat(request.headers("Hosx")).containsExactly("4");
	}

	@Test
	void headersTheMapperSetsAreFoundInAnyCase() {
		UwsgiRequest request = UwsgiRequest.from(websocket().add("HTTP_COOKIE", "a=1")
			.add("CONTENT_TYPE", "text/plain")
			.add("CONTENT_LENGTH", "0")
			.build());
		assertThat(request.header("HOST")).isEqualTo("example.com");
		assertThat(request.header("cookie")).isEqualTo("a=1");
		assertThat(request.header("UPGRADE")).isEqualTo("websocket");
		assertThat(request.header("connection")).isEqualTo("Upgrade");
		assertThat(request.header("CONTENT-TYPE")).isEqualTo("text/plain");
		assertThat(request.headers("Connection")).containsExactly("Upgrade");
	}

	@Test
	void repeatedCookieVarsAreJoinedIntoOneCookieHeader() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_COOKIE", "a=1", "HTTP_ACCEPT", "*/*",
				"HTTP_COOKIE", "b=2", "HTTP_X", "x", "HTTP_COOKIE", "c=3");
		assertThat(request.header("Cookie")).isEqualTo("a=1; b=2; c=3");
		assertThat(request.headers("cookie")).containsExactly("a=1; b=2; c=3");
		assertThat(request.header("Cookie")).isSameAs(request.header("Cookie"));
	}

	@Test
	void cookiesJoinedWithACommaAsApacheDoesAreSplitIntoPairs() {
		assertThat(request("REQUEST_METHOD", "GET", "HTTP_COOKIE", "a=1, b=2; c=3", "HTTP_COOKIE", "d=4, e=5")
			.header("Cookie")).isEqualTo("a=1; b=2; c=3; d=4; e=5");
	}

	@Test
	void contentTypeComesFromContentTypeNotFromItsHttpCopy() {
		UwsgiRequest request = request("REQUEST_METHOD", "POST", "CONTENT_TYPE", "text/plain", "HTTP_CONTENT_TYPE",
				"application/octet-stream");
		assertThat(request.headers("Content-Type")).containsExactly("text/plain");
		assertThat(headers(request)).containsExactly("Content-Type: text/plain");
	}

	@Test
	void httpContentTypeIsUsedWhenContentTypeIsEmptyOrMissing() {
		assertThat(request("REQUEST_METHOD", "POST", "CONTENT_TYPE", "", "HTTP_CONTENT_TYPE", "text/plain")
			.headers("Content-Type")).containsExactly("text/plain");
		assertThat(request("REQUEST_METHOD", "POST", "HTTP_CONTENT_TYPE", "text/plain").header("Content-Type"))
			.isEqualTo("text/plain");
		UwsgiRequest none = request("REQUEST_METHOD", "POST", "CONTENT_TYPE", "", "HTTP_CONTENT_TYPE", "");
		assertThat(none.header("Content-Type")).isNull();
		assertThat(none.hasNoHeaders()).isTrue();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "HTTP_CONNECTION", "HTTP_TRANSFER_ENCODING", "HTTP_EXPECT", "HTTP_UPGRADE", "HTTP_KEEP_ALIVE",
			"HTTP_TE", "HTTP_PROXY_CONNECTION", "HTTP_TRAILER" })
	void hopByHopVarIsNoHeader(String name) {
		// with a length, as nginx sends it: a chunked body without one is refused (411)
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "CONTENT_LENGTH", "0", name, "anything");
		assertThat(request.hasNoHeaders()).isTrue();
		assertThat(headers(request)).isEmpty();
		assertThat(request.header(UwsgiRequestMapper.headerName(name))).isNull();
		assertThat(request.vars().get(name)).isEqualTo("anything");
	}

	@Test
	void hopByHopVarIsNoHeaderEvenBesideAHeaderOfTheSameLengthAndInitials() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_CONNECTION", "close", "HTTP_CXXXXXXXXN", "x");
		assertThat(request.header("Connection")).isNull();
		assertThat(request.headers("Connection")).isEmpty();
		assertThat(request.header("Cxxxxxxxxn")).isEqualTo("x");
	}

	@Test
	void varsThatOnlyLookLikeHeaderVarsAreNotFoundAsHeaders() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_X_ACCEPT", "x", "XTTP_ACCEPT", "v",
				"HTTPXACCEPT", "v", "HTTP_X_ACCEPX", "y");
		assertThat(request.header("Accept")).isNull();
		assertThat(request.header("X-Accept")).isEqualTo("x");
	}

	@Test
	void cgiVarsAreNeverHeaders() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "PATH", "/usr/local/bin:/usr/bin", "SERVER_SOFTWARE",
				"Apache/2.4.71", "UWSGI_SCRIPT", "evil.module", "DOCUMENT_ROOT", "/var/www/html", "SCRIPT_FILENAME",
				"proxy:uwsgi://localhost:3031/", "GATEWAY_INTERFACE", "CGI/1.1", "SERVER_PROTOCOL", "HTTP/2.0", "HTTP",
				"x", "HTTPX_Y", "y");
		assertThat(request.hasNoHeaders()).isTrue();
		assertThat(headers(request)).isEmpty();
		assertThat(request.header("Path")).isNull();
		assertThat(request.vars().get("PATH")).isEqualTo("/usr/local/bin:/usr/bin");
	}

	@Test
	void requestHasNoHeadersOnlyWhenNoneIsSentOrSet() {
		assertThat(request("REQUEST_METHOD", "GET").hasNoHeaders()).isTrue();
		assertThat(request("REQUEST_METHOD", "GET", "HTTP_ACCEPT", "*/*").hasNoHeaders()).isFalse();
		assertThat(request("REQUEST_METHOD", "GET", "HTTP_COOKIE", "a=1").hasNoHeaders()).isFalse();
		assertThat(request("REQUEST_METHOD", "GET", "CONTENT_TYPE", "text/plain").hasNoHeaders()).isFalse();
		assertThat(request("REQUEST_METHOD", "GET", "CONTENT_LENGTH", "1").hasNoHeaders()).isFalse();
		assertThat(request("REQUEST_METHOD", "GET", "SERVER_NAME", "example.com").hasNoHeaders()).isFalse();
		assertThat(UwsgiRequest.from(websocket().build()).withoutVar("HTTP_HOST").hasNoHeaders()).isFalse();
		assertThat(request("REQUEST_METHOD", "GET", "HTTP_X", "").hasNoHeaders()).isFalse();
	}

	@Test
	void forEachHeaderGivesTheHeaderVarsInOrderThenTheHeadersSetFromVars() {
		UwsgiRequest request = request("REQUEST_METHOD", "POST", "HTTP_ACCEPT", "*/*", "HTTP_COOKIE", "a=1",
				"HTTP_X_A", "1", "HTTP_host", "other.example", "CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", "3",
				"HTTP_content_type", "text/html", "HTTP_Content_Length", "99", "HTTP_HOST", "example.com",
				"HTTP_CONNECTION", "close", "HTTP_COOKIE", "b=2", "HTTP_X_A", "2", "HTTP_cookie", "c=3");
		assertThat(headers(request)).containsExactly("Accept: */*", "X-A: 1", "X-A: 2", "Cookie: a=1; b=2",
				"Content-Type: text/plain", "Content-Length: 3", "Host: example.com");
	}

	@Test
	void anotherSpellingOfAHeaderOnlyItsExactVarGivesIsDropped() {
		// found by the fuzz test: HTTP_TRANSFeR_ENCODING reached the application as Transfer-Encoding
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "HTTP_host", "a", "HTTP_content_length", "12",
				"HTTP_upgrade", "websocket", "HTTP_connection", "Upgrade", "HTTP_cookie", "x=1",
				"HTTP_TRANSFeR_ENCODING", "chunked", "HTTP_Content-Type", "text/plain", "HTTP_x_custom", "kept");
		assertThat(headers(request)).containsExactly("X-Custom: kept");
		assertThat(request.header("Host")).isNull();
		assertThat(request.header("Upgrade")).isNull();
		assertThat(request.header("Transfer-Encoding")).isNull();
		assertThat(request.header("Content-Length")).isNull();
		assertThat(request.contentLength()).isZero();
		assertThat(request.isWebSocketUpgrade()).isFalse();
	}

	// WebSocket

	@Test
	void webSocketUpgradeKeepsUpgradeAndConnection() {
		UwsgiRequest request = UwsgiRequest.from(websocket().build());
		assertThat(request.isWebSocketUpgrade()).isTrue();
		assertThat(request.header("Upgrade")).isEqualTo("websocket");
		assertThat(request.header("Connection")).isEqualTo("Upgrade");
		assertThat(headers(request)).containsExactly("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
				"Sec-WebSocket-Version: 13", "Host: example.com", "Upgrade: websocket", "Connection: Upgrade");
	}

	@Test
	void upgradeIsRecognisedInAnyCase() {
		assertThat(UwsgiRequest.from(websocket().add("HTTP_UPGRADE", "WebSocket").build()).isWebSocketUpgrade()).isTrue();
	}

	@Test
	void otherUpgradesAndMethodsAreNoWebSocketUpgrade() {
		assertThat(UwsgiRequest.from(websocket().add("HTTP_UPGRADE", "h2c").build()).isWebSocketUpgrade()).isFalse();
		assertThat(UwsgiRequest.from(websocket().add("HTTP_UPGRADE", "websockets").build()).isWebSocketUpgrade())
			.isFalse();
		assertThat(UwsgiRequest.from(websocket().add("HTTP_UPGRADE", "").build()).isWebSocketUpgrade()).isFalse();
		UwsgiRequest post = UwsgiRequest.from(websocket().add("REQUEST_METHOD", "POST").build());
		assertThat(post.isWebSocketUpgrade()).isFalse();
		assertThat(post.header("Upgrade")).isNull();
		assertThat(post.header("Connection")).isNull();
		assertThat(headers(post)).doesNotContain("Upgrade: websocket", "Connection: Upgrade");
	}

	@Test
	void apacheCannotTunnelAWebSocket() {
		UwsgiRequest apache = UwsgiRequest.from(websocket().add("SCRIPT_FILENAME", "proxy:uwsgi://localhost:8000/").build());
		assertThat(apache.isWebSocketUpgrade()).isFalse();
		assertThat(apache.header("Upgrade")).isNull();
		assertThat(UwsgiRequest.from(websocket().add("SCRIPT_FILENAME", "proxy:uwsgi://").build()).isWebSocketUpgrade())
			.isFalse();
		UwsgiRequest other = UwsgiRequest.from(websocket().add("SCRIPT_FILENAME", "/srv/app.py").build());
		assertThat(other.isWebSocketUpgrade()).isTrue();
		assertThat(UwsgiRequest.from(websocket().add("SCRIPT_FILENAME", "proxy:uwsgi:/").build()).isWebSocketUpgrade())
			.isTrue();
	}

	// client address

	@Test
	void remoteAddressComesFromRemoteAddrAndRemotePort() throws Exception {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "REMOTE_ADDR", "203.0.113.7", "REMOTE_PORT", "54321");
		assertThat(request.remoteAddress())
			.isEqualTo(new InetSocketAddress(InetAddress.getByAddress(new byte[] { (byte) 203, 0, 113, 7 }), 54321));
		assertThat(request.remoteAddress()).isSameAs(request.remoteAddress());
	}

	@Test
	void remoteAddressMayBeIpv6() {
		InetSocketAddress address = request("REQUEST_METHOD", "GET", "REMOTE_ADDR", "2001:db8::1", "REMOTE_PORT", "443")
			.remoteAddress();
		assertThat(address.getAddress()).isInstanceOf(Inet6Address.class);
		assertThat(address.getAddress().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
		assertThat(address.getPort()).isEqualTo(443);
	}

	@ParameterizedTest(name = "REMOTE_ADDR={0}")
	@ValueSource(strings = { "", "localhost", "unix:", "example.com", "203.0.113.300" })
	void remoteAddrThatIsNoIpAddressGivesNoRemoteAddress(String remoteAddr) {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "REMOTE_ADDR", remoteAddr, "REMOTE_PORT", "1");
		assertThat(request.remoteAddress()).isNull();
		assertThat(request.remoteAddress()).isNull();
	}

	@Test
	void noRemoteAddrGivesNoRemoteAddress() {
		assertThat(request("REQUEST_METHOD", "GET", "REMOTE_PORT", "1").remoteAddress()).isNull();
	}

	@ParameterizedTest(name = "REMOTE_PORT={0}: {1}")
	@CsvSource({ "1, 1", "9, 9", "10, 10", "09, 9", "65535, 65535", "00080, 80", "'', 0", "0, 0", "65536, 0", "99999, 0",
			"123456, 0", "4294967376, 0", "x, 0", "8/, 0", "8:, 0", "/8, 0", ":8, 0", "-1, 0", "+1, 0", "' 1', 0" })
	void remotePortIsADecimalNumberFromOneTo65535(String remotePort, int port) {
		InetSocketAddress address = request("REQUEST_METHOD", "GET", "REMOTE_ADDR", "203.0.113.7", "REMOTE_PORT",
				remotePort)
			.remoteAddress();
		assertThat(address.getPort()).isEqualTo(port);
	}

	@Test
	void noRemotePortGivesPortZero() {
		assertThat(request("REQUEST_METHOD", "GET", "REMOTE_ADDR", "203.0.113.7").remoteAddress().getPort()).isZero();
	}

	@Test
	void varSentTwiceIsReadFromItsLastOccurrence() {
		UwsgiRequest request = request("REQUEST_METHOD", "GET", "REMOTE_ADDR", "10.0.0.1", "REMOTE_PORT", "1000",
				"REMOTE_ADDR", "203.0.113.7", "REQUEST_METHOD", "PUT");
		assertThat(request.vars().getAll("REMOTE_ADDR")).containsExactly("10.0.0.1", "203.0.113.7");
		assertThat(request.remoteAddress()).isEqualTo(new InetSocketAddress("203.0.113.7", 1000));
		assertThat(request.method()).isEqualTo("PUT");
	}

	// vars

	@Test
	void everyVarIsKeptAsSent() {
		UwsgiVars vars = get().add("HTTP_ACCEPT", "*/*").add("UWSGI_SCRIPT", "x").build();
		assertThat(UwsgiRequest.from(vars).vars()).isEqualTo(vars);
	}

	@Test
	void withoutVarRemovesTheVarAndKeepsTheRest() {
		UwsgiRequest request = UwsgiRequest.from(nginx().add("UWSGI_SECRET", "s3cret").add("HTTPS", "on").build());
		UwsgiRequest without = request.withoutVar("UWSGI_SECRET");
		assertThat(without.vars().get("UWSGI_SECRET")).isNull();
		assertThat(without.vars().size()).isEqualTo(request.vars().size() - 1);
		assertThat(without.method()).isEqualTo(request.method());
		assertThat(without.uri()).isEqualTo(request.uri());
		assertThat(without.scheme()).isEqualTo("https");
		assertThat(without.host()).isEqualTo(request.host());
		assertThat(without.remoteAddress()).isEqualTo(request.remoteAddress());
		assertThat(headers(without)).isEqualTo(headers(request));
	}

	static List<String> headers(UwsgiRequest request) {
		List<String> headers = new ArrayList<>();
		request.forEachHeader((name, value) -> headers.add(name + ": " + value));
		return headers;
	}

	private static List<String> headerNames(UwsgiRequest request) {
		List<String> names = new ArrayList<>();
		request.forEachHeader((name, value) -> names.add(name));
		return names;
	}

	private static void assertRefused(UwsgiVars.Builder vars, Reason reason, String detail) {
		assertThatExceptionOfType(UwsgiProtocolException.class).isThrownBy(() -> UwsgiRequest.from(vars.build()))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(reason);
				assertThat(ex).hasMessage(reason.description() + ": " + detail);
			});
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiRequest.read(vars.build().block(), UwsgiLimits.NONE))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(reason));
	}

	static UwsgiRequest request(String... namesAndValues) {
		UwsgiVars.Builder vars = UwsgiVars.builder();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			vars.add(namesAndValues[i], namesAndValues[i + 1]);
		}
		UwsgiRequest request = UwsgiRequest.from(vars.build());
		UwsgiRequest read = UwsgiRequest.read(vars.build().block(), UwsgiLimits.NONE);
		assertThat(read.uri()).isEqualTo(request.uri());
		assertThat(headers(read)).isEqualTo(headers(request));
		return request;
	}

	static UwsgiVars.Builder get() {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/");
	}

	static UwsgiVars.Builder post(String contentLength) {
		return UwsgiVars.builder().add("REQUEST_METHOD", "POST").add("REQUEST_URI", "/").add("CONTENT_LENGTH",
				contentLength);
	}

	static UwsgiVars.Builder websocket() {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/chat")
			.add("HTTP_HOST", "example.com")
			.add("HTTP_UPGRADE", "websocket")
			.add("HTTP_CONNECTION", "Upgrade")
			.add("HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==")
			.add("HTTP_SEC_WEBSOCKET_VERSION", "13");
	}

	/** The packet nginx 1.22 sends for a browser's navigation, with Debian's {@code uwsgi_params}. */
	static UwsgiVars.Builder nginx() {
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
			.add("HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
			.add("HTTP_ACCEPT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
			.add("HTTP_ACCEPT_ENCODING", "gzip, deflate")
			.add("HTTP_COOKIE", "SESSION=5f0c2a8e; theme=dark");
	}

}
