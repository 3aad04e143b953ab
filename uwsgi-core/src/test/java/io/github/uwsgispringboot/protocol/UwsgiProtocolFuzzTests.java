package io.github.uwsgispringboot.protocol;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz test of the protocol core with Jazzer: any packet header and any vars block
 * read by {@link UwsgiPacketHeader#read} and {@link UwsgiRequest#read} end in a request that both
 * servers can serve as it is, or in a {@link UwsgiProtocolException} with an answer; never in any
 * other exception.
 * <p>
 * The fuzzer's input is read as:
 * <pre>
 * input   = options header block
 * options = 1 byte: bit 0 {@link #SMALL_LIMITS} instead of none but the protocol's
 * header  = 4 bytes, the packet header (shorter inputs are padded with zeros)
 * block   = the vars block, whatever the header says its size is
 * </pre>
 * A plain {@code mvn test} runs the seeds in {@code UwsgiProtocolFuzzTestsInputs/} (the vars nginx
 * 1.22 sends for a GET and a POST, a WebSocket upgrade, a ping) and the empty input; with the
 * environment variable {@code JAZZER_FUZZ=1} Jazzer fuzzes for {@code maxDuration}, or for
 * {@code -Djazzer.max_duration}. See {@code docs/hardening.md}.
 */
class UwsgiProtocolFuzzTests {

	/** Limits for the inputs that ask for small ones: 128 bytes, 8 vars, a body of 16 bytes. */
	private static final UwsgiLimits SMALL_LIMITS = new UwsgiLimits(128, 8, 16, Duration.ZERO, Duration.ZERO);

	/** What reading a packet header may refuse it for. */
	private static final Set<Reason> HEADER_REFUSALS = EnumSet.of(Reason.HTTP_ON_UWSGI_PORT,
			Reason.UNSUPPORTED_MODIFIER, Reason.VARS_TOO_LARGE);

	/** What reading a vars block may refuse it for: each is answered with a status. */
	private static final Set<Reason> REQUEST_REFUSALS = EnumSet.of(Reason.MALFORMED_VARS, Reason.EMPTY_VAR_NAME,
			Reason.TOO_MANY_VARS, Reason.BODY_TOO_LARGE, Reason.INVALID_REQUEST_METHOD, Reason.INVALID_REQUEST_URI,
			Reason.LENGTH_REQUIRED, Reason.INVALID_CONTENT_LENGTH, Reason.INVALID_HEADER);

	/**
	 * Headers of the client's connection to the proxy, in whatever spelling the var had: never the
	 * application's ({@code Upgrade} and {@code Connection} only as the core sets them for a
	 * WebSocket upgrade).
	 */
	private static final Set<String> HOP_BY_HOP = Set.of("transfer-encoding", "keep-alive", "te", "trailer", "expect",
			"proxy-connection");

	@FuzzTest(maxDuration = "30s")
	void anyPacketIsAServableRequestOrADefinedRefusal(byte[] data) {
		UwsgiLimits limits = (data.length > 0 && (data[0] & 0x01) != 0) ? SMALL_LIMITS : UwsgiLimits.NONE;
		byte[] header = Arrays.copyOfRange(data, Math.min(1, data.length), Math.min(5, Math.max(data.length, 5)));
		byte[] block = (data.length > 5) ? Arrays.copyOfRange(data, 5, data.length) : new byte[0];
		checkHeader(header, limits);
		UwsgiRequest request;
		try {
			request = UwsgiRequest.read(block, limits);
		}
		catch (UwsgiProtocolException refusal) {
			assertThat(refusal.reason()).isIn(REQUEST_REFUSALS);
			assertThat(refusal.reason().answered()).isTrue();
			return;
		}
		checkRequest(request, limits);
		UwsgiRequest again = UwsgiRequest.from(request.vars());
		assertThat(again.uri()).isEqualTo(request.uri());
		assertThat(headers(again)).isEqualTo(headers(request));
	}

	private static void checkHeader(byte[] header, UwsgiLimits limits) {
		int modifier1 = header[0] & 0xFF;
		int size;
		try {
			size = UwsgiPacketHeader.read(modifier1, header[1] & 0xFF, header[2] & 0xFF, header[3] & 0xFF,
					limits.maxVarsSize());
		}
		catch (UwsgiProtocolException refusal) {
			assertThat(refusal.reason()).isIn(HEADER_REFUSALS);
			assertThat(modifier1).isNotIn(UwsgiConstants.MODIFIER1_PING);
			return;
		}
		if (modifier1 == UwsgiConstants.MODIFIER1_PING) {
			assertThat(size).isEqualTo(UwsgiPacketHeader.PING);
		}
		else {
			assertThat(modifier1).isEqualTo(UwsgiConstants.MODIFIER1_HTTP);
			assertThat(size).isEqualTo((header[1] & 0xFF) | ((header[2] & 0xFF) << 8))
				.isBetween(0, limits.maxVarsSize());
		}
	}

	private static void checkRequest(UwsgiRequest request, UwsgiLimits limits) {
		assertThat(request.method()).isNotEmpty().matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
		String contextPath = request.contextPath();
		assertThat(contextPath).doesNotEndWith("/");
		assertThat(request.uri()).as("URI").startsWith(contextPath).isNotEmpty();
		for (char c : request.uri().toCharArray()) {
			assertThat(c).as("character of the URI %s", request.uri()).isGreaterThan(' ').isNotEqualTo('\u007F');
		}
		assertThat(request.scheme()).isIn("http", "https");
		assertThat(request.isSecure()).isEqualTo(request.scheme().equals("https"));
		assertThat(request.contentLength()).isNotNegative();
		if (limits.maxBodySize() >= 0) {
			assertThat(request.contentLength()).isLessThanOrEqualTo(limits.maxBodySize());
		}
		InetSocketAddress remote = request.remoteAddress();
		if (remote != null) {
			assertThat(remote.getPort()).isBetween(0, 65535);
			assertThat(remote.isUnresolved()).isFalse();
		}
		List<String[]> headers = new ArrayList<>();
		request.forEachHeader((name, value) -> headers.add(new String[] { name, value }));
		assertThat(request.hasNoHeaders()).isEqualTo(headers.isEmpty());
		if (request.host() != null) {
			assertThat(request.header("Host")).isEqualTo(request.host());
		}
		for (String[] header : headers) {
			String name = header[0];
			String value = header[1];
			assertThat(name).matches("[A-Za-z0-9-]+");
			assertThat(HOP_BY_HOP).as("hop-by-hop header %s", name).doesNotContain(name.toLowerCase(Locale.ROOT));
			assertThat(UwsgiResponseRules.isUnsafe(value)).as("CR, LF or NUL in %s", name).isFalse();
			assertThat(isFieldContent(value)).as("value of %s", name).isTrue();
			assertThat(request.headers(name)).as(name).contains(value);
			assertThat(request.header(name)).as(name).isEqualTo(request.headers(name).get(0));
		}
	}

	/** RFC 9110 field content: no control character but HTAB, no DEL, no white space first. */
	private static boolean isFieldContent(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if ((c < 0x20 && c != '\t') || c == 0x7F || (i == 0 && (c == ' ' || c == '\t'))) {
				return false;
			}
		}
		return true;
	}

	private static List<String> headers(UwsgiRequest request) {
		List<String> headers = new ArrayList<>();
		request.forEachHeader((name, value) -> headers.add(name + ": " + value));
		return headers;
	}

}
