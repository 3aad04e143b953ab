package io.github.uwsgispringboot.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiResponseRules}: what never reaches a uwsgi peer.
 */
class UwsgiResponseRulesTests {

	@ParameterizedTest(name = "{0}")
	@ValueSource(ints = { 100, 102, 103, 150, 199 })
	void informationalResponsesOtherThan101AreDropped(int status) {
		assertThat(UwsgiResponseRules.isDroppedStatus(status)).isTrue();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(ints = { 99, 101, 200, 204, 304, 404, 500 })
	void switchingProtocolsAndFinalStatusesAreWritten(int status) {
		assertThat(UwsgiResponseRules.isDroppedStatus(status)).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "Transfer-Encoding", "transfer-encoding", "TRANSFER-ENCODING" })
	void transferEncodingIsNeverWritten(String name) {
		assertThat(UwsgiResponseRules.isDroppedHeader(name)).isTrue();
		assertThat(UwsgiResponseRules.isDroppedHeader(new StringBuilder(name))).isTrue();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "Content-Length", "Transfer-Encodings", "Connection", "" })
	void otherHeadersAreWritten(String name) {
		assertThat(UwsgiResponseRules.isDroppedHeader(name)).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "a\rb", "a\nb", "a\0b", "\r", "\n", "\0", "ab\r\n", "\r\nab" })
	void crLfAndNulAreUnsafeAnywhere(String text) {
		assertThat(UwsgiResponseRules.isUnsafe(text)).isTrue();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "", "text/plain; charset=utf-8", "a\tb", "\u0001\u000B\u000C\u000E\u001F\u007F", "caf\u00E9" })
	void everyOtherCharacterIsSafe(String text) {
		assertThat(UwsgiResponseRules.isUnsafe(text)).isFalse();
	}

	@ParameterizedTest(name = "{0} HEAD={1}: {2}")
	@CsvSource({ "200, false, true", "201, false, true", "404, false, true", "500, false, true", "101, false, false",
			"199, false, false", "204, false, false", "304, false, false", "205, false, true", "303, false, true",
			"200, true, false", "404, true, false" })
	void bodyIsWrittenExceptForHeadNoContentAndNotModified(int status, boolean head, boolean body) {
		assertThat(UwsgiResponseRules.hasBody(status, head)).isEqualTo(body);
	}

	@Test
	void theBoundariesOfTheInformationalRange() {
		assertThat(UwsgiResponseRules.hasBody(199, false)).isFalse();
		assertThat(UwsgiResponseRules.hasBody(200, false)).isTrue();
	}

}
