package io.github.uwsgispringboot.test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link NginxUwsgiParams}: the vars are those nginx sends with its stock
 * {@code uwsgi_params}, in its order.
 */
class NginxUwsgiParamsTest {

	private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 51000);

	@Test
	void getHasTheStockVarsInNginxOrderThenOneVarPerHeader() {
		HttpRequest request = request(HttpMethod.GET, "/orders?id=1");
		request.headers().add("Host", "shop.example").add("Accept", "*/*").add("User-Agent", "test");
		NginxUwsgiParams params = new NginxUwsgiParams(false, "shop.example", 80, null, Map.of());
		assertThat(lines(params.vars(request, -1, LOCAL))).containsExactly("QUERY_STRING=id=1",
				"REQUEST_METHOD=GET", "CONTENT_TYPE=", "CONTENT_LENGTH=", "REQUEST_URI=/orders?id=1",
				"PATH_INFO=/orders", "SERVER_PROTOCOL=HTTP/1.1", "REQUEST_SCHEME=http", "REMOTE_ADDR=127.0.0.1",
				"REMOTE_PORT=51000", "SERVER_PORT=80", "SERVER_NAME=shop.example", "HTTP_HOST=shop.example",
				"HTTP_ACCEPT=*/*", "HTTP_USER_AGENT=test");
	}

	@Test
	void bodyLengthIsSentAsContentLengthAndAsTheClientHeader() {
		HttpRequest request = request(HttpMethod.POST, "/upload");
		request.headers().add("Content-Type", "text/plain").add("Content-Length", "99");
		UwsgiVars vars = new NginxUwsgiParams(false, "localhost", 80, null, Map.of()).vars(request, 5, LOCAL);
		assertThat(vars.get("CONTENT_TYPE")).isEqualTo("text/plain");
		assertThat(vars.get("HTTP_CONTENT_TYPE")).isEqualTo("text/plain");
		assertThat(vars.getAll("CONTENT_LENGTH")).containsExactly("5");
		assertThat(vars.getAll("HTTP_CONTENT_LENGTH")).containsExactly("5");
	}

	@Test
	void headersOfOurOwnConnectionAreNotSent() {
		HttpRequest request = request(HttpMethod.POST, "/upload");
		request.headers().add("Connection", "close").add("Transfer-Encoding", "chunked").add("Keep-Alive", "5");
		UwsgiVars vars = new NginxUwsgiParams(false, "localhost", 80, null, Map.of()).vars(request, 5, LOCAL);
		assertThat(vars.get("HTTP_CONNECTION")).isNull();
		assertThat(vars.get("HTTP_TRANSFER_ENCODING")).isNull();
		assertThat(vars.get("HTTP_KEEP_ALIVE")).isNull();
	}

	@Test
	void repeatedHeaderIsOneVarPerValueAsNginx122Sends() {
		HttpRequest request = request(HttpMethod.GET, "/");
		request.headers().add("Cookie", "a=1").add("Cookie", "b=2").add("X-Tag", "one").add("X-Tag", "two");
		UwsgiVars vars = new NginxUwsgiParams(false, "localhost", 80, null, Map.of()).vars(request, -1, LOCAL);
		assertThat(vars.getAll("HTTP_COOKIE")).containsExactly("a=1", "b=2");
		assertThat(vars.getAll("HTTP_X_TAG")).containsExactly("one", "two");
	}

	@Test
	void headerWithAnUnderscoreIsDroppedAsNginxDoesByDefault() {
		HttpRequest request = request(HttpMethod.GET, "/");
		request.headers().add("X_Forwarded_For", "198.51.100.9");
		UwsgiVars vars = new NginxUwsgiParams(false, "localhost", 80, null, Map.of()).vars(request, -1, LOCAL);
		assertThat(vars.get("HTTP_X_FORWARDED_FOR")).isNull();
	}

	@Test
	void pathInfoIsDecodedToBytesWhileRequestUriAndQueryStayRaw() {
		HttpRequest request = request(HttpMethod.GET, "/caf%C3%A9/a%20b/100%?q=%20");
		UwsgiVars vars = new NginxUwsgiParams(false, "localhost", 80, null, Map.of()).vars(request, -1, LOCAL);
		// the UTF-8 bytes of é, each read as one ISO-8859-1 char; a stray % is kept
		assertThat(vars.get("PATH_INFO")).isEqualTo("/caf\u00C3\u00A9/a b/100%");
		assertThat(vars.get("REQUEST_URI")).isEqualTo("/caf%C3%A9/a%20b/100%?q=%20");
		assertThat(vars.get("QUERY_STRING")).isEqualTo("q=%20");
	}

	@Test
	void httpsIsSentAsRequestSchemeAndHttpsOn() {
		UwsgiVars vars = new NginxUwsgiParams(true, "localhost", 443, null, Map.of())
			.vars(request(HttpMethod.GET, "/"), -1, LOCAL);
		assertThat(vars.get("REQUEST_SCHEME")).isEqualTo("https");
		assertThat(vars.get("HTTPS")).isEqualTo("on");
		assertThat(vars.get("SERVER_PORT")).isEqualTo("443");
	}

	@Test
	void plainHttpSendsNoHttpsVar() {
		UwsgiVars vars = new NginxUwsgiParams(false, "localhost", 80, null, Map.of())
			.vars(request(HttpMethod.GET, "/"), -1, LOCAL);
		assertThat(vars.get("HTTPS")).isNull();
	}

	@Test
	void remoteAddressReplacesLoopbackAndTheLocalPort() {
		InetSocketAddress client = new InetSocketAddress("2001:db8::7", 40000);
		UwsgiVars vars = new NginxUwsgiParams(false, "localhost", 80, client, Map.of())
			.vars(request(HttpMethod.GET, "/"), -1, LOCAL);
		assertThat(vars.get("REMOTE_ADDR")).isEqualTo("2001:db8:0:0:0:0:0:7");
		assertThat(vars.get("REMOTE_PORT")).isEqualTo("40000");
	}

	@Test
	void varReplacesEveryStockVarOfItsNameInPlaceOrIsAddedAtTheEnd() {
		HttpRequest request = request(HttpMethod.GET, "/");
		request.headers().add("X-Tag", "one").add("X-Tag", "two");
		Map<String, String> extra = Map.of("HTTP_X_TAG", "only", "REMOTE_ADDR", "192.0.2.1");
		List<String> vars = lines(new NginxUwsgiParams(false, "localhost", 80, null, extra).vars(request, -1, LOCAL));
		assertThat(vars).contains("REMOTE_ADDR=192.0.2.1", "HTTP_X_TAG=only")
			.doesNotContain("REMOTE_ADDR=127.0.0.1", "HTTP_X_TAG=one", "HTTP_X_TAG=two");
		assertThat(vars.indexOf("REMOTE_ADDR=192.0.2.1")).isEqualTo(8);
		List<String> withScriptName = lines(new NginxUwsgiParams(false, "localhost", 80, null,
				Map.of("SCRIPT_NAME", "/app")).vars(request, -1, LOCAL));
		assertThat(withScriptName).last().isEqualTo("SCRIPT_NAME=/app");
	}

	private static HttpRequest request(HttpMethod method, String uri) {
		return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
	}

	private static List<String> lines(UwsgiVars vars) {
		List<String> lines = new ArrayList<>();
		vars.forEach((name, value) -> lines.add(name + "=" + value));
		return lines;
	}

}
