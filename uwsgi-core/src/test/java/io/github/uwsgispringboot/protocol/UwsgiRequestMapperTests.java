package io.github.uwsgispringboot.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for the rules {@link UwsgiRequestMapper} applies to every var that becomes a header: the
 * bytes of its value (RFC 9110 field content, as Netty's HTTP codec and Tomcat require) and the
 * characters of its name.
 */
class UwsgiRequestMapperTests {

	@Test
	void headerValuesAreCheckedOnEveryByteAtEveryPosition() {
		List<String> wrong = new ArrayList<>();
		// every byte at every position of values around the sizes of the 8- and 16-byte words, among
		// ASCII, high bytes or tabs, at the start, in the middle and at the end of a block (where
		// fewer than 8 bytes follow)
		for (int length : new int[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40 }) {
			for (int position = 0; position < Math.max(length, 1); position++) {
				for (int b = 0; b < 256; b++) {
					for (byte filler : new byte[] { 'a', (byte) 0xC3, '\t' }) {
						byte[] value = new byte[length];
						Arrays.fill(value, filler);
						if (length > 0) {
							value[position] = (byte) b;
						}
						int expected = firstInvalidByte(value);
						for (int start : new int[] { 0, 13, 64 - length }) {
							byte[] block = new byte[64];
							Arrays.fill(block, (byte) 0x01);
							System.arraycopy(value, 0, block, start, length);
							int found = UwsgiRequestMapper.invalidValueIndex(block, start, length);
							if (found != expected) {
								wrong.add(String.format("byte 0x%02X at %d of %d with filler 0x%02X at %d: %d", b,
										position, length, filler, start, found));
							}
						}
					}
				}
			}
		}
		assertThat(wrong).isEmpty();
	}

	@Test
	void controlByteInTheSecondWordOfABlockOfSixteenIsFound() {
		// a long value is scanned 16 bytes at a time: a bad byte in bytes 8-15 of any block counts
		List<String> wrong = new ArrayList<>();
		for (int length = 16; length <= 100; length++) {
			for (int position = 1; position < length; position++) {
				byte[] value = new byte[length];
				Arrays.fill(value, (byte) 'v');
				value[position] = 0x0B;
				if (UwsgiRequestMapper.invalidValueIndex(value, 0, length) != position) {
					wrong.add(position + " of " + length);
				}
			}
		}
		assertThat(wrong).isEmpty();
	}

	@Test
	void headerValueWithAControlCharacterIsRefused() {
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_X_TEST", "a\u0001b"),
				"character 0x01 at 1 in the value of HTTP_X_TEST");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_ACCEPT", "*\u000F*"),
				"character 0x0F at 1 in the value of HTTP_ACCEPT");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_X_TEST", "a\u007Fb"),
				"character 0x7F at 1 in the value of HTTP_X_TEST");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_X_TEST", "v".repeat(20) + "\r\n"),
				"character 0x0D at 20 in the value of HTTP_X_TEST");
	}

	@Test
	void headerValueStartingWithWhiteSpaceIsRefused() {
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_X_TEST", " a"),
				"character 0x20 at 0 in the value of HTTP_X_TEST");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_X_TEST", "\ta"),
				"character 0x09 at 0 in the value of HTTP_X_TEST");
	}

	@Test
	void headerValueWithInnerWhiteSpaceOrHighBytesIsServed() {
		UwsgiRequest request = UwsgiRequestTests.request("REQUEST_METHOD", "GET", "HTTP_X_TEST", "a \tb\u00E9\u0080\u00FF",
				"HTTP_X_EMPTY", "");
		assertThat(request.header("X-Test")).isEqualTo("a \tb\u00E9\u0080\u00FF");
		assertThat(request.header("X-Empty")).isEmpty();
	}

	@Test
	void valuesOfTheVarsThatSetHeadersAreCheckedToo() {
		assertInvalidHeader(UwsgiRequestTests.get().add("CONTENT_TYPE", "text/plain\u0001"),
				"character 0x01 at 10 in the value of CONTENT_TYPE");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_COOKIE", "a=\u000Bb"),
				"character 0x0B at 2 in the value of HTTP_COOKIE");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_HOST", "example\u0001.com"),
				"character 0x01 at 7 in the value of HTTP_HOST");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_CONTENT_TYPE", "\u0001"),
				"character 0x01 at 0 in the value of HTTP_CONTENT_TYPE");
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_CONTENT_LENGTH", "1\n"),
				"character 0x0A at 1 in the value of HTTP_CONTENT_LENGTH");
	}

	@Test
	void valuesOfVarsThatAreNoHeadersAreNotChecked() {
		UwsgiRequest request = UwsgiRequestTests.request("REQUEST_METHOD", "GET", "HTTP_CONNECTION", "a\u0001",
				"HTTP_UPGRADE", "\u0001", "DOCUMENT_ROOT", "\r\n", "HTTP_TRANSFER_ENCODING", "", "CONTENT_TYPE", "",
				"HTTP_CONTENT_TYPE", "text/plain");
		assertThat(request.header("Content-Type")).isEqualTo("text/plain");
		assertThat(request.vars().get("DOCUMENT_ROOT")).isEqualTo("\r\n");
	}

	@Test
	void invalidContentTypeIsRefusedEvenWhenItsHttpCopyIsValid() {
		assertInvalidHeader(UwsgiRequestTests.post("1").add("CONTENT_TYPE", " text/plain").add("HTTP_CONTENT_TYPE",
				"text/plain"), "character 0x20 at 0 in the value of CONTENT_TYPE");
	}

	@Test
	void theFirstInvalidHeaderIsTheOneRefused() {
		UwsgiVars.Builder vars = UwsgiVars.builder()
			.add("HTTP_X_FIRST", "\u0001")
			.add("REQUEST_METHOD", "GET")
			.add("HTTP_X_SECOND", "\u0002");
		assertInvalidHeader(vars, "character 0x01 at 0 in the value of HTTP_X_FIRST");
		assertInvalidHeader(UwsgiVars.builder().add("HTTP_HOST", "\u0001").add("REQUEST_METHOD", "GET")
			.add("HTTP_X_SECOND", "\u0002"), "character 0x01 at 0 in the value of HTTP_HOST");
		assertInvalidHeader(UwsgiVars.builder().add("HTTP_X@", "v").add("REQUEST_METHOD", "GET").add("HTTP_Y@", "v"),
				"var name HTTP_X@");
	}

	@Test
	void invalidHeaderAsTheVeryFirstVarIsRefused() {
		assertInvalidHeader(UwsgiVars.builder().add("HTTP_X_TEST", "a\u0000").add("REQUEST_METHOD", "GET"),
				"character 0x00 at 1 in the value of HTTP_X_TEST");
		assertInvalidHeader(UwsgiVars.builder().add("HTTP_X Y", "v").add("REQUEST_METHOD", "GET"), "var name HTTP_X Y");
	}

	@Test
	void headerNamesAreSpelledFromLettersDigitsUnderscoresAndDashesOnly() {
		List<String> wrong = new ArrayList<>();
		// names of up to two 8-byte words and a bit, around the word boundaries
		for (int length : new int[] { 1, 2, 3, 4, 7, 8, 9, 11, 12, 13, 16, 17 }) {
			for (int position = 0; position < length; position++) {
				for (int c = 1; c < 256; c++) {
					char[] name = new char[length];
					Arrays.fill(name, 'A');
					name[position] = (char) c;
					String varName = "HTTP_" + new String(name);
					boolean valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
							|| c == '-';
					UwsgiVars vars = UwsgiRequestTests.get().add(varName, "v").build();
					String outcome;
					try {
						outcome = UwsgiRequest.from(vars).header(UwsgiRequestMapper.headerName(varName));
					}
					catch (UwsgiProtocolException ex) {
						outcome = ex.reason().name();
					}
					if (!outcome.equals(valid ? "v" : Reason.INVALID_HEADER.name())) {
						wrong.add(varName + ": " + outcome);
					}
				}
			}
		}
		assertThat(wrong).isEmpty();
	}

	@Test
	void headerVarWithoutAHeaderNameIsRefused() {
		assertInvalidHeader(UwsgiRequestTests.get().add("HTTP_", "v"), "empty header name in var HTTP_");
	}

	@Test
	void longInvalidHeaderNameIsAbbreviatedInTheRefusal() {
		String name = "HTTP_" + "X".repeat(100) + "@";
		assertInvalidHeader(UwsgiRequestTests.get().add(name, "v"), "var name " + name.substring(0, 64) + "...");
	}

	@Test
	void varsThatOnlyLookLikeHeaderVarsAreNoHeaders() {
		UwsgiRequest request = UwsgiRequestTests.request("REQUEST_METHOD", "GET", "HTTP", "v", "HTTPS_X", "v", "HTTQ_X",
				"v", "XTTP_X", "v", "HXTP_X", "v", "HTXP_X", "v", "HTTX_X", "v", "http_x", "v", "H", "\u0001");
		assertThat(request.hasNoHeaders()).isTrue();
	}

	private static void assertInvalidHeader(UwsgiVars.Builder vars, String detail) {
		assertThatExceptionOfType(UwsgiProtocolException.class).isThrownBy(() -> UwsgiRequest.from(vars.build()))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(Reason.INVALID_HEADER);
				assertThat(ex).hasMessage(Reason.INVALID_HEADER.description() + ": " + detail);
			});
	}

	/**
	 * The rule for a header field value (RFC 9110 field-content, as Netty's
	 * {@code HttpHeaderValidationUtil} applies it): no control character but HTAB, no DEL, no
	 * leading space or HTAB.
	 */
	private static int firstInvalidByte(byte[] value) {
		for (int i = 0; i < value.length; i++) {
			int b = value[i] & 0xFF;
			boolean control = (b < 0x20 && b != '\t') || b == 0x7F;
			if (control || (i == 0 && (b == ' ' || b == '\t'))) {
				return i;
			}
		}
		return -1;
	}

}
