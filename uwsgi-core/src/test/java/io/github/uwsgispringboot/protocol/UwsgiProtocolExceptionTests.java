package io.github.uwsgispringboot.protocol;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiProtocolException}: every refusal has the outcome its reason promises.
 */
class UwsgiProtocolExceptionTests {

	@Test
	void eachReasonHasItsStatus() {
		assertThat(Reason.HTTP_ON_UWSGI_PORT.status()).isEqualTo(400);
		assertThat(Reason.MALFORMED_VARS.status()).isEqualTo(400);
		assertThat(Reason.EMPTY_VAR_NAME.status()).isEqualTo(400);
		assertThat(Reason.INVALID_REQUEST_METHOD.status()).isEqualTo(400);
		assertThat(Reason.INVALID_REQUEST_URI.status()).isEqualTo(400);
		assertThat(Reason.INVALID_CONTENT_LENGTH.status()).isEqualTo(400);
		assertThat(Reason.INVALID_HEADER.status()).isEqualTo(400);
		assertThat(Reason.CLIENT_NOT_ALLOWED.status()).isEqualTo(403);
		assertThat(Reason.SECRET_MISMATCH.status()).isEqualTo(403);
		assertThat(Reason.LENGTH_REQUIRED.status()).isEqualTo(411);
		assertThat(Reason.BODY_TOO_LARGE.status()).isEqualTo(413);
		assertThat(Reason.VARS_TOO_LARGE.status()).isEqualTo(431);
		assertThat(Reason.TOO_MANY_VARS.status()).isEqualTo(431);
	}

	@Test
	void reasonsWithoutStatusAreOnlyClosed() {
		EnumSet<Reason> closed = EnumSet.of(Reason.TRUNCATED_PACKET, Reason.UNSUPPORTED_MODIFIER, Reason.HEADER_TIMEOUT,
				Reason.BODY_TIMEOUT);
		for (Reason reason : Reason.values()) {
			assertThat(reason.answered()).as("%s", reason).isEqualTo(!closed.contains(reason));
			assertThat(reason.status() == 0).as("%s", reason).isEqualTo(closed.contains(reason));
		}
	}

	@Test
	void messageIsTheReasonsDescriptionAndTheDetail() {
		UwsgiProtocolException refusal = new UwsgiProtocolException(Reason.TOO_MANY_VARS, "more than 4");
		assertThat(refusal.reason()).isEqualTo(Reason.TOO_MANY_VARS);
		assertThat(refusal).hasMessage("more vars than the configured maximum: more than 4");
		assertThat(Reason.TOO_MANY_VARS.description()).isEqualTo("more vars than the configured maximum");
	}

}
