package io.github.uwsgispringboot.codec;

import java.util.stream.Stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.codec.UwsgiPackets.UserEvents;

import static io.github.uwsgispringboot.codec.UwsgiPackets.packet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Faults that {@link UwsgiRequestDecoderFuzzTests} found in the decoder, each reduced to the
 * smallest packet that shows it.
 */
class UwsgiRequestDecoderRegressionTests {

	private final UserEvents userEvents = new UserEvents();

	private final EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE),
			this.userEvents);

	@AfterEach
	void releaseAll() {
		this.channel.finishAndReleaseAll();
	}

	/**
	 * Found by fuzzing a POST captured from nginx whose {@code HTTP_ACCEPT} became {@code "*\x0F*"};
	 * then in {@code CONTENT_TYPE}, {@code HTTP_HOST} and {@code HTTP_COOKIE}, which take other paths.
	 * Netty's request headers accept a value only when it is RFC 9110 field content: no control
	 * character other than HTAB anywhere, no DEL, and no SP or HTAB first. The mapper checks only
	 * CR, LF and NUL, so the others escape the decoder as an {@code IllegalArgumentException}
	 * wrapped in a {@code DecoderException}: no {@link Reason#INVALID_HEADER} refusal, no 400, and the
	 * proxy sees the connection closed without a response. nginx passes such bytes on from clients.
	 */
		@ParameterizedTest(name = "{0}")
	@MethodSource("headerValuesNettyRejects")
	void headerValueThatNettyRejectsIsRefusedAsInvalidHeader(String description, UwsgiVars vars) {
		ByteBuf packet = packet(vars, "");
		this.channel.writeInbound(packet);
		HttpRequest request = this.channel.readInbound();
		assertThat(request.decoderResult().cause()).isInstanceOfSatisfying(UwsgiProtocolException.class,
				(cause) -> assertThat(cause.reason()).isEqualTo(Reason.INVALID_HEADER));
		assertThat(this.userEvents.events()).singleElement()
			.isInstanceOfSatisfying(UwsgiProtocolException.class,
					(refusal) -> assertThat(refusal.reason()).isEqualTo(Reason.INVALID_HEADER));
		assertThat(packet.refCnt()).isZero();
	}

	static Stream<Arguments> headerValuesNettyRejects() {
		return Stream.of(arguments("control character in a header value (the fuzzer's input)", get("HTTP_ACCEPT", "*\u000F*")),
				arguments("DEL in a header value", get("HTTP_X_TEST", "a\u007Fb")),
				arguments("ESC in a header value", get("HTTP_X_TEST", "\u001B[31mred")),
				arguments("header value starting with a space", get("HTTP_X_TEST", " a")),
				arguments("header value starting with a tab", get("HTTP_X_TEST", "\ta")),
				arguments("control character in CONTENT_TYPE", get("CONTENT_TYPE", "text/plain\u0001")),
				arguments("control character in HTTP_COOKIE", get("HTTP_COOKIE", "a=\u000Bb")),
				arguments("control character in HTTP_HOST", get("HTTP_HOST", "example\u0001.com")),
				arguments("control character in SERVER_NAME, the Host without HTTP_HOST",
						get("SERVER_NAME", "example\u0001.com")));
	}

	private static UwsgiVars get(String name, String value) {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").add(name, value).build();
	}

}
