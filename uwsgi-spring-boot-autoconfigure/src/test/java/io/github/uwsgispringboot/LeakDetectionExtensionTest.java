package io.github.uwsgispringboot;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Proves that {@link LeakDetectionExtension} is not a no-op: a buffer leaked on purpose fails the
 * check, which also takes it out of the report so that this class still passes.
 */
class LeakDetectionExtensionTest {

	@Test
	void leakedBufferFailsTheCheckWithItsRecords() {
		leakBuffer("deliberately leaked by LeakDetectionExtensionTest");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> LeakDetectionExtension.assertNoLeaks("leakedBufferFailsTheCheckWithItsRecords"))
			.withMessageContaining("ByteBuf.release() was not called")
			.withMessageContaining("deliberately leaked by LeakDetectionExtensionTest");
		assertThat(LeakDetectionExtension.detectLeaks()).isEmpty();
	}

	@Test
	void releasedBufferPassesTheCheck() {
		ByteBuf buffer = ByteBufAllocator.DEFAULT.buffer(8).writeLong(42);
		buffer.release();
		LeakDetectionExtension.assertNoLeaks("releasedBufferPassesTheCheck");
	}

	private static void leakBuffer(String hint) {
		ByteBufAllocator.DEFAULT.directBuffer(8).writeLong(42).touch(hint);
	}

}
