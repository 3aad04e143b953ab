package io.github.uwsgispringboot.codec;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static io.github.uwsgispringboot.codec.UwsgiPackets.bytes;
import static io.github.uwsgispringboot.codec.UwsgiPackets.packet;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readContents;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Tests for the {@link UwsgiLimits} a {@link UwsgiRequestDecoder} and a {@link UwsgiServerCodec}
 * enforce, each at and just past its bound.
 */
class UwsgiLimitsTests {

	private static final UwsgiLimits LIMITS = new UwsgiLimits(UwsgiConstants.MAX_VARS_SIZE, 4, 10,
			Duration.ofSeconds(2), Duration.ofSeconds(3));

	private final UwsgiPackets.UserEvents events = new UwsgiPackets.UserEvents();

	@Test
	void varsUpToTheMaximumCountAreServed() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.writeInbound(packet(vars(4), ""));
		HttpRequest request = channel.readInbound();
		assertThat(request.decoderResult().isSuccess()).isTrue();
		assertThat(readContents(channel)).containsExactly("<last>");
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void oneVarPastTheMaximumCountIsRefusedAsTooLongHeader() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.writeInbound(packet(vars(5), ""));
		HttpRequest request = channel.readInbound();
		assertThat(request.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
		assertThat(reasons()).containsExactly(Reason.TOO_MANY_VARS);
		channel.finishAndReleaseAll();
	}

	@Test
	void bodyOfTheMaximumSizeIsServed() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.writeInbound(packet(post(10), "0123456789"));
		HttpRequest request = channel.readInbound();
		assertThat(request.decoderResult().isSuccess()).isTrue();
		assertThat(readContents(channel)).containsExactly("0123456789<last>");
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void bodyOneBytePastTheMaximumIsRefusedBeforeItIsRead() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.writeInbound(packet(post(11), "0123456789A"));
		HttpRequest request = channel.readInbound();
		assertThat(request.decoderResult().cause()).isInstanceOf(TooLongHttpContentException.class);
		assertThat((Object) channel.readInbound()).as("no body is passed on").isNull();
		assertThat(reasons()).containsExactly(Reason.BODY_TOO_LARGE);
		channel.finishAndReleaseAll();
	}

	@Test
	void serverCodecAnswersTooLargeBody413ItselfAndPassesNothingOn() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiServerCodec(LIMITS, Duration.ofSeconds(1)),
				this.events);
		channel.writeInbound(packet(post(11), "0123456789A"));
		assertThat((Object) channel.readInbound()).isNull();
		assertThat(readOutbound(channel)).startsWith("HTTP/1.1 413 Content Too Large\r\n")
			.contains("content-length: 0\r\n");
		assertThat(reasons()).containsExactly(Reason.BODY_TOO_LARGE);
		assertThat(channel.isOpen()).as("closed after the answer: EmbeddedChannel cannot linger").isFalse();
		channel.finishAndReleaseAll();
	}

	@Test
	void connectionThatSendsNothingIsClosedAtTheHeaderDeadline() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.advanceTimeBy(1900, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isTrue();
		channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isFalse();
		assertThat(reasons()).containsExactly(Reason.HEADER_TIMEOUT);
		channel.finishAndReleaseAll();
	}

	@Test
	void headerDeadlineIsTotalNotPerRead() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		ByteBuf wire = packet(vars(2), "");
		// a byte every half second: each read is quick, the whole is not
		for (int i = 0; i < 4; i++) {
			channel.writeInbound(wire.readRetainedSlice(1));
			channel.advanceTimeBy(500, TimeUnit.MILLISECONDS);
			channel.runScheduledPendingTasks();
		}
		wire.release();
		assertThat(channel.isOpen()).isFalse();
		assertThat(reasons()).containsExactly(Reason.HEADER_TIMEOUT);
		channel.finishAndReleaseAll();
	}

	@Test
	void requestThatArrivesInTimeIsNotClosedByTheHeaderDeadline() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.writeInbound(packet(vars(2), ""));
		channel.advanceTimeBy(5, TimeUnit.SECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isTrue();
		assertThat(reasons()).isEmpty();
		assertThat(channel.finishAndReleaseAll()).isTrue();
	}

	@Test
	void bodyThatStallsLongerThanTheIdleTimeoutClosesTheConnection() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.writeInbound(packet(post(10), "01234"));
		channel.advanceTimeBy(2900, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isTrue();
		channel.writeInbound(bytes("56"));
		channel.advanceTimeBy(2900, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).as("bytes arrived: the idle time starts again").isTrue();
		channel.advanceTimeBy(200, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isFalse();
		assertThat(reasons()).containsExactly(Reason.BODY_TIMEOUT);
		channel.finishAndReleaseAll();
	}

	@Test
	void completeBodyStopsTheIdleTimer() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(LIMITS), this.events);
		channel.writeInbound(packet(post(10), "0123456789"));
		channel.advanceTimeBy(10, TimeUnit.SECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isTrue();
		assertThat(reasons()).isEmpty();
		channel.finishAndReleaseAll();
	}

	private java.util.List<Reason> reasons() {
		return this.events.events()
			.stream()
			.filter(UwsgiProtocolException.class::isInstance)
			.map((event) -> ((UwsgiProtocolException) event).reason())
			.toList();
	}

	private static UwsgiVars vars(int count) {
		UwsgiVars.Builder vars = UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/");
		for (int i = 2; i < count; i++) {
			vars.add("HTTP_X_" + i, "v");
		}
		return vars.build();
	}

	private static UwsgiVars post(int length) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", "/")
			.add("CONTENT_LENGTH", Integer.toString(length))
			.build();
	}

}
