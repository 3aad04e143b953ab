package io.github.uwsgispringboot.protocol;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link UwsgiRequestTimeout}: which responses are streams, timed to their first byte
 * only, and the log line both servers write.
 */
class UwsgiRequestTimeoutTests {

	private static final UwsgiRequest REQUEST = UwsgiRequest.from(UwsgiVars.builder()
		.add("REQUEST_METHOD", "POST")
		.add("REQUEST_URI", "/orders?page=2")
		.add("REMOTE_ADDR", "203.0.113.9")
		.add("REMOTE_PORT", "40000")
		.build());

	@Test
	void zeroOrNullIsNoTimeout() {
		assertThat(UwsgiRequestTimeout.of(null)).isSameAs(UwsgiRequestTimeout.NONE);
		assertThat(UwsgiRequestTimeout.of(Duration.ZERO)).isSameAs(UwsgiRequestTimeout.NONE);
		assertThat(UwsgiRequestTimeout.NONE.isEnabled()).isFalse();
		assertThat(UwsgiRequestTimeout.NONE.limitNanos()).isZero();
		assertThat(UwsgiRequestTimeout.NONE).hasToString("no request timeout");
		assertThat(UwsgiLimits.NONE.requestTimeout()).isSameAs(UwsgiRequestTimeout.NONE);
	}

	@Test
	void timeoutHoldsItsLimit() {
		UwsgiRequestTimeout timeout = UwsgiRequestTimeout.of(Duration.ofSeconds(30));
		assertThat(timeout.isEnabled()).isTrue();
		assertThat(timeout.limit()).isEqualTo(Duration.ofSeconds(30));
		assertThat(timeout.limitNanos()).isEqualTo(30_000_000_000L);
		assertThat(timeout).hasToString("request timeout PT30S");
		assertThat(UwsgiLimits.NONE.withRequestTimeout(timeout).requestTimeout()).isSameAs(timeout);
		assertThat(UwsgiLimits.NONE.withRequestTimeout(timeout).withMaxVarsSize(10).requestTimeout()).isSameAs(timeout);
	}

	@Test
	void negativeTimeoutIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> UwsgiRequestTimeout.of(Duration.ofMillis(-1)))
			.withMessage("The request timeout must not be negative: PT-0.001S");
	}

	@Test
	void upgradesEventStreamsAndNdjsonAreStreams() {
		assertThat(UwsgiRequestTimeout.isStream(101, null)).isTrue();
		assertThat(UwsgiRequestTimeout.isStream(200, "text/event-stream")).isTrue();
		assertThat(UwsgiRequestTimeout.isStream(200, "Text/Event-Stream;charset=UTF-8")).isTrue();
		assertThat(UwsgiRequestTimeout.isStream(200, "application/x-ndjson")).isTrue();
	}

	@Test
	void otherResponsesAreNotStreams() {
		assertThat(UwsgiRequestTimeout.isStream(200, null)).isFalse();
		assertThat(UwsgiRequestTimeout.isStream(200, "application/json")).isFalse();
		assertThat(UwsgiRequestTimeout.isStream(200, "text/plain")).isFalse();
		assertThat(UwsgiRequestTimeout.isStream(100, null)).isFalse();
		assertThat(UwsgiRequestTimeout.isStream(200, "application/octet-stream")).isFalse();
	}

	@Test
	void messageNamesTheRequestItsClientAndItsTime() {
		UwsgiRequestTimeout timeout = UwsgiRequestTimeout.of(Duration.ofSeconds(5));
		assertThat(timeout.message(REQUEST, "tcp", Duration.ofMillis(5012), false, null)).isEqualTo(
				"uwsgi request timed out after 5012 ms (request timeout 5000 ms): POST /orders?page=2 from 203.0.113.9 "
						+ "over tcp; answered 504");
		assertThat(timeout.message(REQUEST, "unix", Duration.ofMillis(5001), true, null)).isEqualTo(
				"uwsgi request timed out after 5001 ms (request timeout 5000 ms): POST /orders?page=2 from 203.0.113.9 "
						+ "over unix; its response had started: the connection is cut");
	}

	@Test
	void messageWithoutClientAddress() {
		UwsgiRequest request = UwsgiRequest.from(
				UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/").build());
		assertThat(UwsgiRequestTimeout.of(Duration.ofSeconds(1)).message(request, "unix", Duration.ofSeconds(1), false,
				null))
			.contains("GET / from - over unix");
	}

	@Test
	void messageShowsWhereTheRequestsThreadIs() throws Exception {
		CountDownLatch parked = new CountDownLatch(1);
		Thread thread = new Thread(() -> {
			parked.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				// stopped by the test
			}
		}, "request-thread-1");
		thread.start();
		try {
			parked.await();
			while (thread.getState() != Thread.State.TIMED_WAITING) {
				Thread.onSpinWait();
			}
			String message = UwsgiRequestTimeout.of(Duration.ofSeconds(1))
				.message(REQUEST, "tcp", Duration.ofSeconds(1), false, thread);
			assertThat(message).contains("; answered 504; thread \"request-thread-1\" was at:" + System.lineSeparator()
					+ "\tat ")
				.containsPattern("\tat \\S*java\\.lang\\.Thread\\.sleep")
				.contains("UwsgiRequestTimeoutTests.lambda$messageShowsWhereTheRequestsThreadIs");
		}
		finally {
			thread.interrupt();
			thread.join();
		}
	}

}
