package io.github.uwsgispringboot.protocol;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KnownVar}: the vars that steer the mapping are recognised by their exact bytes,
 * wherever they are in a block.
 */
class KnownVarTests {

	@Test
	void everyKnownVarIsRecognisedAtAnyOffset() {
		for (KnownVar known : KnownVar.values()) {
			byte[] name = known.name().getBytes(StandardCharsets.ISO_8859_1);
			byte[] block = new byte[name.length + 7];
			System.arraycopy(name, 0, block, 7, name.length);
			assertThat(KnownVar.of(block, 7, name.length)).isEqualTo(known);
		}
	}

	@Test
	void otherNamesAreNotRecognised() {
		for (String name : new String[] { "HTTP_HOSX", "XTTP_HOST", "HTTP_CONTENT_LENGTX", "HTTP_CONTENT_LENGTI",
				"HTTP_CONTENT_XENGTH", "http_host", "HTTPS_", "REQUEST_METHO", "REQUEST_METHODS", "REQUEST_SCHEMA",
				"HTTP_TRANSFER_ENCODINX", "HTTP_PROXY_CONNECTIOM", "A".repeat(64), "A".repeat(100), "HTTP" }) {
			byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
			assertThat(KnownVar.of(bytes, 0, bytes.length)).as(name).isNull();
		}
	}

	@Test
	void headerValuesToCheckAreTold() {
		assertThat(KnownVar.HTTP_COOKIE.isCheckedHeader()).isTrue();
		assertThat(KnownVar.HTTP_UPGRADE.isCheckedHeader()).isFalse();
		assertThat(KnownVar.CONTENT_TYPE.isCheckedHeader()).isFalse();
	}

}
