package io.github.uwsgispringboot.codec;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiRequestMapper;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Tests for the mapping of uwsgi vars to an HTTP request, through {@link UwsgiHttpRequest#from}.
 */
class UwsgiRequestMapperTest {

	@Test
	void httpVarBecomesHeaderWithItsUsualSpelling() {
		UwsgiHttpRequest request = map(get().add("HTTP_X_FORWARDED_FOR", "198.51.100.4"));
		assertThat(request.headers().names()).contains("X-Forwarded-For");
		assertThat(request.headers().get("X-Forwarded-For")).isEqualTo("198.51.100.4");
	}

	@Test
	void irregularHeaderNamesKeepTheirUsualSpelling() {
		UwsgiHttpRequest request = map(get().add("HTTP_DNT", "1")
			.add("HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==")
			.add("HTTP_WWW_AUTHENTICATE", "Basic"));
		assertThat(request.headers().names()).contains("DNT", "Sec-WebSocket-Key", "WWW-Authenticate");
	}

	@Test
	void repeatedHeaderVarBecomesMultiValuedHeader() {
		UwsgiHttpRequest request = map(get().add("HTTP_ACCEPT", "text/html").add("HTTP_ACCEPT", "application/json"));
		assertThat(request.headers().getAll("Accept")).containsExactly("text/html", "application/json");
	}

	@Test
	void repeatedCookieVarsAreJoinedIntoOneCookieHeader() {
		UwsgiHttpRequest request = map(get().add("HTTP_COOKIE", "a=1").add("HTTP_COOKIE", "b=2"));
		assertThat(request.headers().getAll("Cookie")).containsExactly("a=1; b=2");
	}

	@Test
	void chunkedBodyWithoutContentLengthIsRefusedAsLengthRequired() {
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> map(post("").add("HTTP_TRANSFER_ENCODING", "chunked")))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(UwsgiProtocolException.Reason.LENGTH_REQUIRED));
		UwsgiHttpRequest deChunked = map(post("5").add("HTTP_TRANSFER_ENCODING", "chunked"));
		assertThat(deChunked.contentLength()).isEqualTo(5);
		assertThat(deChunked.headers().contains("Transfer-Encoding")).isFalse();
	}

	@Test
	void cookieHeadersJoinedWithCommaAsApacheDoesAreSplitIntoPairs() {
		UwsgiHttpRequest request = map(get().add("HTTP_COOKIE", "a=1, b=2; c=3"));
		assertThat(request.headers().getAll("Cookie")).containsExactly("a=1; b=2; c=3");
	}

	@Test
	void contentTypeComesFromContentTypeNotFromItsHttpCopy() {
		UwsgiHttpRequest request = map(post("3").add("CONTENT_TYPE", "text/plain")
			.add("HTTP_CONTENT_TYPE", "application/octet-stream"));
		assertThat(request.headers().getAll("Content-Type")).containsExactly("text/plain");
	}

	@Test
	void httpContentTypeIsUsedWhenContentTypeIsEmpty() {
		UwsgiHttpRequest request = map(post("3").add("CONTENT_TYPE", "").add("HTTP_CONTENT_TYPE", "text/plain"));
		assertThat(request.headers().getAll("Content-Type")).containsExactly("text/plain");
	}

	@Test
	void contentLengthComesFromContentLengthNotFromItsHttpCopy() {
		UwsgiHttpRequest request = map(post("3").add("HTTP_CONTENT_LENGTH", "3").add("HTTP_CONTENT_LENGTH", "999"));
		assertThat(request.headers().getAll("Content-Length")).containsExactly("3");
		assertThat(request.contentLength()).isEqualTo(3);
	}

	@Test
	void contentLengthOfEighteenDigitsIsAccepted() {
		UwsgiHttpRequest request = map(post("999999999999999999"));
		assertThat(request.contentLength()).isEqualTo(999_999_999_999_999_999L);
	}

	@Test
	void zeroContentLengthMeansNoBody() {
		UwsgiHttpRequest request = map(post("0"));
		assertThat(request.contentLength()).isZero();
		assertThat(request.headers().contains("Content-Length")).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "HTTP_CONNECTION", "HTTP_TRANSFER_ENCODING", "HTTP_EXPECT", "HTTP_UPGRADE",
			"HTTP_KEEP_ALIVE", "HTTP_TE", "HTTP_PROXY_CONNECTION", "HTTP_TRAILER" })
	void hopByHopVarIsNoHeader(String name) {
		// with a length, as nginx sends it: a chunked body without one is refused (411)
		UwsgiHttpRequest request = map(get().add("CONTENT_LENGTH", "0").add(name, "anything"));
		assertThat(request.headers().isEmpty()).isTrue();
		assertThat(request.vars().get(name)).isEqualTo("anything");
	}

	@Test
	void cgiVarsAreNeverHeaders() {
		UwsgiHttpRequest request = map(get().add("PATH", "/usr/local/bin:/usr/bin")
			.add("SERVER_SOFTWARE", "Apache/2.4.71")
			.add("UWSGI_SCRIPT", "evil.module")
			.add("DOCUMENT_ROOT", "/var/www/html")
			.add("SCRIPT_FILENAME", "proxy:uwsgi://localhost:3031/")
			.add("GATEWAY_INTERFACE", "CGI/1.1")
			.add("SERVER_PROTOCOL", "HTTP/2.0"));
		assertThat(request.headers().isEmpty()).isTrue();
		assertThat(request.vars().get("PATH")).isEqualTo("/usr/local/bin:/usr/bin");
	}

	@Test
	void protocolVersionIsAlwaysHttp11() {
		UwsgiHttpRequest request = map(get().add("SERVER_PROTOCOL", "HTTP/2.0"));
		assertThat(request.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
	}

	@Test
	void requestUriIsKeptRaw() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/a%20b/%2F..%2F?q=caf%C3%A9&x")
			.add("PATH_INFO", "/a b///")
			.add("QUERY_STRING", "ignored=1"));
		assertThat(request.uri()).isEqualTo("/a%20b/%2F..%2F?q=caf%C3%A9&x");
	}

	@Test
	void withoutRequestUriPathInfoIsPercentEncodedAndQueryStringAppended() {
		// PATH_INFO holds decoded UTF-8 bytes, read as ISO-8859-1: "café x" is c a f C3 A9 20 x
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("PATH_INFO", "/caf\u00C3\u00A9 x")
			.add("QUERY_STRING", "a=1&b=%20"));
		assertThat(request.uri()).isEqualTo("/caf%C3%A9%20x?a=1&b=%20");
	}

	@Test
	void withoutRequestUriOrPathInfoUriIsRoot() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET"));
		assertThat(request.uri()).isEqualTo("/");
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "HTTPS, on", "HTTPS, ON", "HTTPS, 1", "REQUEST_SCHEME, https" })
	void schemeIsHttpsWhenTheProxySaysSo(String name, String value) {
		assertThat(map(get().add(name, value)).scheme()).isEqualTo("https");
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "HTTPS, off", "HTTPS, ''", "REQUEST_SCHEME, http", "HTTP_X_FORWARDED_PROTO, https" })
	void schemeIsHttpOtherwise(String name, String value) {
		assertThat(map(get().add(name, value)).scheme()).isEqualTo("http");
	}

	@Test
	void remoteAddressComesFromRemoteAddrAndRemotePort() throws Exception {
		UwsgiHttpRequest request = map(get().add("REMOTE_ADDR", "203.0.113.7").add("REMOTE_PORT", "54321"));
		assertThat(request.remoteAddress())
			.isEqualTo(new InetSocketAddress(InetAddress.getByAddress(new byte[] { (byte) 203, 0, 113, 7 }), 54321));
	}

	@Test
	void remoteAddressMayBeIpv6() {
		UwsgiHttpRequest request = map(get().add("REMOTE_ADDR", "2001:db8::1").add("REMOTE_PORT", "443"));
		assertThat(request.remoteAddress().getAddress()).isInstanceOf(Inet6Address.class);
		assertThat(request.remoteAddress().getAddress().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
		assertThat(request.remoteAddress().getPort()).isEqualTo(443);
	}

	@ParameterizedTest(name = "REMOTE_ADDR={0}")
	@ValueSource(strings = { "", "localhost", "unix:", "example.com", "203.0.113.300" })
	void remoteAddressThatIsNoIpAddressGivesNoRemoteAddress(String remoteAddr) {
		assertThat(map(get().add("REMOTE_ADDR", remoteAddr).add("REMOTE_PORT", "1")).remoteAddress()).isNull();
	}

	@ParameterizedTest(name = "REMOTE_PORT={0}")
	@ValueSource(strings = { "", "x", "65536", "123456" })
	void invalidRemotePortGivesPortZero(String remotePort) {
		assertThat(map(get().add("REMOTE_ADDR", "203.0.113.7").add("REMOTE_PORT", remotePort)).remoteAddress()
			.getPort()).isZero();
	}

	@Test
	void hostComesFromHttpHost() {
		UwsgiHttpRequest request = map(get().add("HTTP_HOST", "example.com:8443")
			.add("SERVER_NAME", "backend")
			.add("SERVER_PORT", "80"));
		assertThat(request.headers().getAll("Host")).containsExactly("example.com:8443");
	}

	@Test
	void hostFallsBackToServerNameAndPort() {
		UwsgiHttpRequest request = map(get().add("SERVER_NAME", "example.com").add("SERVER_PORT", "8080"));
		assertThat(request.headers().get("Host")).isEqualTo("example.com:8080");
	}

	@Test
	void hostFromServerNameOmitsTheDefaultHttpPort() {
		UwsgiHttpRequest request = map(get().add("SERVER_NAME", "example.com").add("SERVER_PORT", "80"));
		assertThat(request.headers().get("Host")).isEqualTo("example.com");
	}

	@Test
	void hostFromServerNameOmitsTheDefaultHttpsPort() {
		UwsgiHttpRequest request = map(get().add("HTTPS", "on")
			.add("SERVER_NAME", "example.com")
			.add("SERVER_PORT", "443"));
		assertThat(request.headers().get("Host")).isEqualTo("example.com");
	}

	@Test
	void noHostWithoutHttpHostOrServerName() {
		UwsgiHttpRequest request = map(get().add("HTTP_HOST", "").add("SERVER_NAME", "").add("SERVER_PORT", "80"));
		assertThat(request.headers().contains("Host")).isFalse();
	}

	@Test
	void scriptNameAlreadyInRequestUriIsNotDoubled() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("SCRIPT_NAME", "/app")
			.add("REQUEST_URI", "/app/orders?id=1"));
		assertThat(request.contextPath()).isEqualTo("/app");
		assertThat(request.uri()).isEqualTo("/app/orders?id=1");
	}

	@Test
	void scriptNameIsPrefixedToRequestUriWithoutIt() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("SCRIPT_NAME", "/app")
			.add("REQUEST_URI", "/orders?id=1"));
		assertThat(request.contextPath()).isEqualTo("/app");
		assertThat(request.uri()).isEqualTo("/app/orders?id=1");
	}

	@Test
	void scriptNameIsPrefixedToPathInfo() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("SCRIPT_NAME", "/app")
			.add("PATH_INFO", "/orders"));
		assertThat(request.uri()).isEqualTo("/app/orders");
	}

	@Test
	void scriptNameMatchesWholePathSegmentsOnly() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("SCRIPT_NAME", "/app")
			.add("REQUEST_URI", "/application"));
		assertThat(request.uri()).isEqualTo("/app/application");
	}

	@Test
	void scriptNameEqualToRequestUriIsNotDoubled() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("SCRIPT_NAME", "/app")
			.add("REQUEST_URI", "/app?x=1"));
		assertThat(request.uri()).isEqualTo("/app?x=1");
	}

	@Test
	void trailingSlashOfScriptNameIsStripped() {
		UwsgiHttpRequest request = map(vars().add("REQUEST_METHOD", "GET")
			.add("SCRIPT_NAME", "/app/")
			.add("REQUEST_URI", "/app/orders"));
		assertThat(request.contextPath()).isEqualTo("/app");
		assertThat(request.uri()).isEqualTo("/app/orders");
	}

	@ParameterizedTest(name = "SCRIPT_NAME=''{0}''")
	@ValueSource(strings = { "", "/", "//" })
	void rootScriptNameIsNoContextPath(String scriptName) {
		UwsgiHttpRequest request = map(get().add("SCRIPT_NAME", scriptName));
		assertThat(request.contextPath()).isEmpty();
		assertThat(request.uri()).isEqualTo("/");
	}

	@Test
	void varSentTwiceIsReadFromItsLastOccurrence() {
		UwsgiHttpRequest request = map(get().add("REMOTE_ADDR", "10.0.0.1")
			.add("REMOTE_PORT", "1000")
			.add("REMOTE_ADDR", "203.0.113.7"));
		assertThat(request.vars().get("REMOTE_ADDR")).isEqualTo("203.0.113.7");
		assertThat(request.vars().getAll("REMOTE_ADDR")).containsExactly("10.0.0.1", "203.0.113.7");
		assertThat(request.remoteAddress().getAddress().getHostAddress()).isEqualTo("203.0.113.7");
	}

	@Test
	void everyVarIsKeptAsSent() {
		UwsgiVars vars = get().add("HTTP_ACCEPT", "*/*").add("UWSGI_SCRIPT", "x").build();
		assertThat(UwsgiHttpRequest.from(vars).vars()).isEqualTo(vars);
	}

	@Test
	void headerValuesAreCheckedOnTheirBytesWithNettysRule() {
		// every byte at every position of values of up to 40 bytes, among ASCII or high bytes, at
		// the start, in the middle and at the end of a block (where fewer than 8 bytes follow)
		for (int length = 0; length <= 40; length++) {
			for (int position = 0; position < Math.max(length, 1); position++) {
				for (int b = 0; b < 256; b++) {
					for (byte filler : new byte[] { 'a', (byte) 0xC3 }) {
						byte[] value = new byte[length];
						Arrays.fill(value, filler);
						if (length > 0) {
							value[position] = (byte) b;
						}
						int expected = HttpHeaderValidationUtil
							.validateValidHeaderValue(new String(value, StandardCharsets.ISO_8859_1));
						for (int start : new int[] { 0, 13, 64 - length }) {
							byte[] block = new byte[64];
							System.arraycopy(value, 0, block, start, length);
							assertThat(UwsgiRequestMapper.invalidValueIndex(block, start, length))
								.as("byte 0x%02X at %d of %d at %d", b, position, length, start)
								.isEqualTo(expected);
						}
					}
				}
			}
		}
	}

	@Test
	void headerNamesAreSpelledFromLettersDigitsUnderscoresAndDashesOnly() {
		for (int length = 1; length <= 20; length++) {
			for (int position = 0; position < length; position++) {
				for (int c = 1; c < 256; c++) {
					char[] name = new char[length];
					Arrays.fill(name, 'A');
					name[position] = (char) c;
					String varName = "HTTP_" + new String(name);
					boolean valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
							|| c == '-';
					if (valid) {
						assertThat(map(get().add(varName, "v")).headers().get(UwsgiRequestMapper.headerName(varName)))
							.as(varName)
							.isEqualTo("v");
					}
					else {
						assertThatExceptionOfType(UwsgiProtocolException.class).as(varName)
							.isThrownBy(() -> map(get().add(varName, "v")))
							.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(UwsgiProtocolException.Reason.INVALID_HEADER));
					}
				}
			}
		}
	}

	private static UwsgiHttpRequest map(UwsgiVars.Builder vars) {
		return UwsgiHttpRequest.from(vars.build());
	}

	private static UwsgiVars.Builder vars() {
		return UwsgiVars.builder();
	}

	private static UwsgiVars.Builder get() {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/");
	}

	private static UwsgiVars.Builder post(String contentLength) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", "/")
			.add("CONTENT_LENGTH", contentLength);
	}

}
