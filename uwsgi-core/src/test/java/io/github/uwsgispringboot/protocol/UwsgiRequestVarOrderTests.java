package io.github.uwsgispringboot.protocol;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Every var is read wherever the proxy puts it: as the very first var of the packet (index 0, where
 * a mapper that takes 0 for "not sent" would lose it) and as the last.
 */
class UwsgiRequestVarOrderTests {

	@Test
	void headerVarFirst() {
		UwsgiRequest request = first("HTTP_ACCEPT", "*/*");
		assertThat(request.header("Accept")).isEqualTo("*/*");
		assertThat(request.headers("Accept")).containsExactly("*/*");
		assertThat(UwsgiRequestTests.headers(request)).containsExactly("Accept: */*");
	}

	@Test
	void cookieFirst() {
		UwsgiRequest request = first("HTTP_COOKIE", "a=1");
		assertThat(request.header("Cookie")).isEqualTo("a=1");
		assertThat(request.hasNoHeaders()).isFalse();
	}

	@Test
	void contentTypeFirst() {
		UwsgiRequest request = first("CONTENT_TYPE", "text/plain");
		assertThat(request.header("Content-Type")).isEqualTo("text/plain");
		assertThat(request.hasNoHeaders()).isFalse();
		assertThat(UwsgiRequestTests.headers(request)).containsExactly("Content-Type: text/plain");
	}

	@Test
	void contentLengthFirst() {
		assertThat(first("CONTENT_LENGTH", "5").contentLength()).isEqualTo(5);
	}

	@Test
	void schemeFirst() {
		assertThat(first("HTTPS", "on").scheme()).isEqualTo("https");
		assertThat(first("REQUEST_SCHEME", "https").scheme()).isEqualTo("https");
	}

	@Test
	void scriptNameFirst() {
		UwsgiRequest request = first("SCRIPT_NAME", "/app");
		assertThat(request.contextPath()).isEqualTo("/app");
		assertThat(request.uri()).isEqualTo("/app/");
	}

	@Test
	void apacheScriptFilenameFirst() {
		UwsgiVars vars = UwsgiVars.builder().add("SCRIPT_FILENAME", "proxy:uwsgi://")
			.add("REQUEST_METHOD", "GET")
			.add("HTTP_UPGRADE", "websocket")
			.build();
		assertThat(UwsgiRequest.from(vars).isWebSocketUpgrade()).isFalse();
	}

	@Test
	void upgradeFirst() {
		UwsgiVars vars = UwsgiVars.builder().add("HTTP_UPGRADE", "websocket").add("REQUEST_METHOD", "GET").build();
		assertThat(UwsgiRequest.from(vars).isWebSocketUpgrade()).isTrue();
	}

	@Test
	void transferEncodingFirst() {
		UwsgiVars vars = UwsgiVars.builder().add("HTTP_TRANSFER_ENCODING", "chunked").add("REQUEST_METHOD", "POST").build();
		assertThatExceptionOfType(UwsgiProtocolException.class).isThrownBy(() -> UwsgiRequest.from(vars))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.LENGTH_REQUIRED));
	}

	@Test
	void remoteAddressFirst() {
		UwsgiVars vars = UwsgiVars.builder().add("REMOTE_ADDR", "192.0.2.7").add("REMOTE_PORT", "80")
			.add("REQUEST_METHOD", "GET")
			.build();
		assertThat(UwsgiRequest.from(vars).remoteAddress()).isEqualTo(new InetSocketAddress("192.0.2.7", 80));
		UwsgiVars portFirst = UwsgiVars.builder().add("REMOTE_PORT", "80").add("REMOTE_ADDR", "192.0.2.7")
			.add("REQUEST_METHOD", "GET")
			.build();
		assertThat(UwsgiRequest.from(portFirst).remoteAddress().getPort()).isEqualTo(80);
	}

	@Test
	void serverNameFirstWithAControlCharacterFirst() {
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> first("SERVER_NAME", "\u0001example.com"))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(Reason.INVALID_HEADER);
				assertThat(ex).hasMessageEndingWith(": character 0x01 at 0 in the value of HTTP_HOST");
			});
	}

	@Test
	void invalidCheckedHeaderFirstIsTheOneRefused() {
		UwsgiVars vars = UwsgiVars.builder().add("HTTP_COOKIE", "\u0001").add("REQUEST_METHOD", "GET")
			.add("HTTP_HOST", "\u0002")
			.build();
		assertThatExceptionOfType(UwsgiProtocolException.class).isThrownBy(() -> UwsgiRequest.from(vars))
			.satisfies((ex) -> assertThat(ex).hasMessageEndingWith(": character 0x01 at 0 in the value of HTTP_COOKIE"));
	}

	@Test
	void methodFirstAndLast() {
		assertThat(UwsgiRequest.from(UwsgiVars.builder().add("REQUEST_METHOD", "PATCH").build()).method())
			.isEqualTo("PATCH");
	}

	private static UwsgiRequest first(String name, String value) {
		return UwsgiRequest.from(UwsgiVars.builder().add(name, value).add("REQUEST_METHOD", "GET").build());
	}

}
