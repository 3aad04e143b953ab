package io.github.uwsgispringboot.protocol;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UwsgiPacketHeader}: the 4 bytes before the vars, as a proxy, a health checker
 * or a misdirected HTTP client sends them.
 */
class UwsgiPacketHeaderTests {

	private static final int NO_LIMIT = UwsgiConstants.MAX_VARS_SIZE;

	@Test
	void pingIsRecognisedAndAnsweredWithPong() {
		// 0x64: modifier1 100 (ping); 0x00 0x00: datasize 0; 0x00: modifier2
		assertThat(UwsgiPacketHeader.read(0x64, 0x00, 0x00, 0x00, NO_LIMIT)).isEqualTo(UwsgiPacketHeader.PING);
		assertThat(UwsgiPacketHeader.pong()).containsExactly(
				0x64, // modifier1 100
				0x00, 0x00, // datasize 0
				0x01); // modifier2 1: pong
	}

	@Test
	void pingIsAnsweredWhateverItsDatasizeAndTheLimit() {
		// 0x64: ping; 0xFF 0xFF: datasize 65535, over a limit of 1 byte; 0x07: modifier2
		assertThat(UwsgiPacketHeader.read(0x64, 0xFF, 0xFF, 0x07, 1)).isEqualTo(UwsgiPacketHeader.PING);
	}

	@Test
	void pongIsACopyEachTime() {
		UwsgiPacketHeader.pong()[3] = 0x7F;
		assertThat(UwsgiPacketHeader.pong()).containsExactly(0x64, 0x00, 0x00, 0x01);
	}

	@Test
	void datasizeIsLittleEndian() {
		// 0x00: modifier1 0 (HTTP); 0x34 0x12: datasize 0x1234 = 4660; 0x00: modifier2
		assertThat(UwsgiPacketHeader.read(0x00, 0x34, 0x12, 0x00, NO_LIMIT)).isEqualTo(0x1234);
		// 0x00: HTTP; 0xFF 0xFF: datasize 65535, the largest the field holds; 0x00
		assertThat(UwsgiPacketHeader.read(0x00, 0xFF, 0xFF, 0x00, NO_LIMIT)).isEqualTo(65535);
		// 0x00: HTTP; 0x00 0x00: datasize 0, no vars; 0x00
		assertThat(UwsgiPacketHeader.read(0x00, 0x00, 0x00, 0x00, NO_LIMIT)).isZero();
	}

	@Test
	void modifier2IsIgnoredForHttp() {
		// 0x00: HTTP; 0x04 0x00: datasize 4; 0xFF: modifier2, meaningless for modifier1 0
		assertThat(UwsgiPacketHeader.read(0x00, 0x04, 0x00, 0xFF, NO_LIMIT)).isEqualTo(4);
	}

	@Test
	void varsOfExactlyTheLimitAreAccepted() {
		// 0x00: HTTP; 0x00 0x01: datasize 256; 0x00; limit 256
		assertThat(UwsgiPacketHeader.read(0x00, 0x00, 0x01, 0x00, 256)).isEqualTo(256);
	}

	@Test
	void varsOneBytePastTheLimitAreRefusedAs431() {
		// 0x00: HTTP; 0x01 0x01: datasize 257; 0x00; limit 256
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiPacketHeader.read(0x00, 0x01, 0x01, 0x00, 256))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(Reason.VARS_TOO_LARGE);
				assertThat(ex.reason().status()).isEqualTo(431);
				assertThat(ex).hasMessageEndingWith(": 257 bytes, limit 256");
			});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "GET ", "PUT ", "POST", "HEAD", "DELE", "OPTI", "PATC", "AZZA" })
	void plainHttpIsRefusedWithAHint(String start) {
		byte[] b = start.getBytes(StandardCharsets.US_ASCII);
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiPacketHeader.read(b[0], b[1], b[2], b[3], NO_LIMIT))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(Reason.HTTP_ON_UWSGI_PORT);
				assertThat(ex.reason().status()).isEqualTo(400);
				assertThat(ex).hasMessageEndingWith(": request starts with '" + start + "'");
			});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "get ", "GeT ", " GET", "GE T", "G  T", "GET\t", "GET/", "@ABC", "[ABC", "A@BC", "AB[C",
			"ABC@", "ABC[", "ABC`", "ABC{" })
	void bytesThatAreNoHttpMethodAreAnUnsupportedModifier(String start) {
		byte[] b = start.getBytes(StandardCharsets.US_ASCII);
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiPacketHeader.read(b[0], b[1], b[2], b[3], NO_LIMIT))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNSUPPORTED_MODIFIER));
	}

	@ParameterizedTest(name = "modifier1 {0}")
	@ValueSource(ints = { 1, 5, 9, 22, 99, 101, 255 })
	void otherModifiersAreRefusedWithoutAnAnswer(int modifier1) {
		// modifier1; 0x04 0x00: datasize 4; 0x00: modifier2
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiPacketHeader.read(modifier1, 0x04, 0x00, 0x00, NO_LIMIT))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(Reason.UNSUPPORTED_MODIFIER);
				assertThat(ex.reason().answered()).isFalse();
				assertThat(ex).hasMessageEndingWith(": modifier1=" + modifier1);
			});
	}

	@Test
	void unsupportedModifierIsRefusedBeforeTheSizeIsLookedAt() {
		// 0x16: modifier1 22 (eval); 0xFF 0xFF: datasize 65535 over a limit of 16
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> UwsgiPacketHeader.read(0x16, 0xFF, 0xFF, 0x00, 16))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNSUPPORTED_MODIFIER));
	}

	@Test
	void plainHttpIsAnsweredWithA400ThatNamesUwsgiPass() {
		String response = new String(UwsgiPacketHeader.notUwsgiResponse(), StandardCharsets.US_ASCII);
		assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("\r\nConnection: close\r\n");
		String body = response.substring(response.indexOf("\r\n\r\n") + 4);
		assertThat(body).contains("uwsgi_pass");
		assertThat(response).contains("\r\nContent-Length: " + body.length() + "\r\n");
	}

	@Test
	void notUwsgiResponseIsACopyEachTime() {
		UwsgiPacketHeader.notUwsgiResponse()[0] = 'X';
		assertThat(UwsgiPacketHeader.notUwsgiResponse()[0]).isEqualTo((byte) 'H');
	}

}
