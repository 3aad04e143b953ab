package io.github.uwsgispringboot.protocol;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link UwsgiLimits}: nonsense is refused when the limits are made, the bounds
 * themselves are accepted.
 */
class UwsgiLimitsTests {

	private static final Duration ZERO = Duration.ZERO;

	@Test
	void noneAllowsWhatTheProtocolAllows() {
		assertThat(UwsgiLimits.NONE.maxVarsSize()).isEqualTo(65535);
		assertThat(UwsgiLimits.NONE.maxVars()).isEqualTo(Integer.MAX_VALUE);
		assertThat(UwsgiLimits.NONE.maxBodySize()).isEqualTo(-1);
		assertThat(UwsgiLimits.NONE.headerTimeout()).isZero();
		assertThat(UwsgiLimits.NONE.bodyIdleTimeout()).isZero();
	}

	@Test
	void boundsAreAccepted() {
		UwsgiLimits smallest = new UwsgiLimits(1, 1, 0, ZERO, ZERO);
		assertThat(smallest.maxVarsSize()).isEqualTo(1);
		assertThat(smallest.maxVars()).isEqualTo(1);
		assertThat(smallest.maxBodySize()).isZero();
		assertThat(new UwsgiLimits(65535, 1, -1, Duration.ofNanos(1), Duration.ofNanos(1)).maxVarsSize()).isEqualTo(65535);
	}

	@Test
	void varsBlockSizeOutsideTheProtocolIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiLimits(0, 1, -1, ZERO, ZERO))
			.withMessage("maxVarsSize must be between 1 and 65535: 0");
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiLimits(65536, 1, -1, ZERO, ZERO))
			.withMessage("maxVarsSize must be between 1 and 65535: 65536");
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiLimits(-1, 1, -1, ZERO, ZERO));
	}

	@Test
	void noVarsAtAllIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiLimits(100, 0, -1, ZERO, ZERO))
			.withMessage("maxVars must be positive: 0");
	}

	@Test
	void bodySizeBelowNoLimitIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiLimits(100, 1, -2, ZERO, ZERO))
			.withMessage("maxBodySize must be -1 (no limit) or more: -2");
	}

	@Test
	void negativeTimeoutsAreRefused() {
		Duration negative = Duration.ofNanos(-1);
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiLimits(100, 1, -1, negative, ZERO))
			.withMessage("Timeouts must not be negative");
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiLimits(100, 1, -1, ZERO, negative))
			.withMessage("Timeouts must not be negative");
	}

	@Test
	void withMaxVarsSizeKeepsTheOtherLimits() {
		UwsgiLimits limits = new UwsgiLimits(100, 7, 9, Duration.ofSeconds(2), Duration.ofSeconds(3));
		assertThat(limits.withMaxVarsSize(200))
			.isEqualTo(new UwsgiLimits(200, 7, 9, Duration.ofSeconds(2), Duration.ofSeconds(3)));
		assertThatIllegalArgumentException().isThrownBy(() -> limits.withMaxVarsSize(0));
	}

}
