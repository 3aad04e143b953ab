package io.github.uwsgispringboot.codec;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.codec.UwsgiPackets.UserEvents;

import static io.github.uwsgispringboot.codec.UwsgiPackets.bytes;
import static io.github.uwsgispringboot.codec.UwsgiPackets.packet;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readContents;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readOutbound;
import static io.github.uwsgispringboot.codec.UwsgiPackets.writeVar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Tests for {@link UwsgiRequestDecoder}: wire bytes built by hand, one field per line.
 */
class UwsgiRequestDecoderTest {

	private final UserEvents userEvents = new UserEvents();

	private final EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE),
			this.userEvents);

	@Test
	void getWithEmptyContentLengthAsSentByNginxHasNoBody() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(71); // datasize: the vars block below
		packet.writeByte(0x00); // modifier2: ignored with modifier1 0
		writeVar(packet, "REQUEST_METHOD", "GET"); // 2 + 14 + 2 + 3 = 21 bytes
		writeVar(packet, "REQUEST_URI", "/"); // 2 + 11 + 2 + 1 = 16 bytes
		writeVar(packet, "CONTENT_TYPE", ""); // 2 + 12 + 2 + 0 = 16 bytes: nginx sends it empty
		writeVar(packet, "CONTENT_LENGTH", ""); // 2 + 14 + 2 + 0 = 18 bytes: nginx sends it empty
		assertThat(this.channel.writeInbound(packet)).isTrue();
		UwsgiHttpRequest request = this.channel.readInbound();
		assertThat(request.decoderResult().isSuccess()).isTrue();
		assertThat(request.method()).isEqualTo(HttpMethod.GET);
		assertThat(request.uri()).isEqualTo("/");
		assertThat(request.contentLength()).isZero();
		assertThat(request.headers().contains("Content-Length")).isFalse();
		assertThat(request.headers().contains("Content-Type")).isFalse();
		assertThat((Object) this.channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat((Object) this.channel.readInbound()).isNull();
		assertThat(packet.refCnt()).isZero();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void getWithoutContentLengthAsSentByApacheHasNoBody() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(37); // datasize: the vars block below
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		writeVar(packet, "REQUEST_URI", "/"); // 16 bytes
		assertThat(this.channel.writeInbound(packet)).isTrue();
		UwsgiHttpRequest request = this.channel.readInbound();
		assertThat(request.decoderResult().isSuccess()).isTrue();
		assertThat(request.contentLength()).isZero();
		assertThat((Object) this.channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void datasizeIsLittleEndian() {
		byte[] header = new byte[4];
		header[0] = 0x00; // modifier1: HTTP request
		header[1] = 0x02; // datasize, low byte
		header[2] = 0x01; // datasize, high byte: 0x0102 = 258 bytes
		header[3] = 0x00; // modifier2
		ByteBuf packet = Unpooled.buffer().writeBytes(header);
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		writeVar(packet, "REQUEST_URI", "/" + "a".repeat(221)); // 2 + 11 + 2 + 222 = 237 bytes
		assertThat(this.channel.writeInbound(packet)).isTrue();
		UwsgiHttpRequest request = this.channel.readInbound();
		assertThat(request.decoderResult().isSuccess()).isTrue();
		assertThat(request.uri()).hasSize(222);
		assertThat((Object) this.channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void bodyInTheSameBufferAsTheVarsIsPassedOnAsLastContent() {
		ByteBuf packet = postHeaderAndVars();
		packet.writeCharSequence("hello world", StandardCharsets.US_ASCII); // body: CONTENT_LENGTH bytes
		assertThat(this.channel.writeInbound(packet)).isTrue();
		UwsgiHttpRequest request = this.channel.readInbound();
		assertThat(request.method()).isEqualTo(HttpMethod.POST);
		assertThat(request.contentLength()).isEqualTo(11);
		assertThat(request.headers().get("Content-Length")).isEqualTo("11");
		assertThat(readContents(this.channel)).containsExactly("hello world<last>");
		assertThat(packet.refCnt()).isZero();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void bodySplitAcrossReadsIsPassedOnPieceByPiece() {
		assertThat(this.channel.writeInbound(postHeaderAndVars())).isTrue();
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat((Object) this.channel.readInbound()).isNull();
		this.channel.writeInbound(bytes("hel"));
		this.channel.writeInbound(bytes("lo wo"));
		this.channel.writeInbound(bytes("rld"));
		assertThat(readContents(this.channel)).containsExactly("hel", "lo wo", "rld<last>");
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void packetArrivingByteByByteIsDecoded() {
		ByteBuf packet = postHeaderAndVars();
		packet.writeCharSequence("hello world", StandardCharsets.US_ASCII);
		int varsEnd = packet.readableBytes() - 11;
		for (int i = 0; i < varsEnd; i++) {
			assertThat((Object) this.channel.readInbound()).isNull();
			this.channel.writeInbound(packet.retainedSlice(i, 1));
		}
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		for (int i = varsEnd; i < packet.readableBytes(); i++) {
			this.channel.writeInbound(packet.retainedSlice(i, 1));
		}
		packet.release();
		assertThat(readContents(this.channel)).containsExactly("h", "e", "l", "l", "o", " ", "w", "o", "r", "l",
				"d<last>");
		assertThat(packet.refCnt()).isZero();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void headerSplitAcrossReadsWaitsForTheRest() {
		ByteBuf packet = postHeaderAndVars();
		assertThat(this.channel.writeInbound(packet.readRetainedSlice(2))).isFalse();
		assertThat(this.channel.writeInbound(packet)).isTrue();
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void varsSplitAcrossReadsWaitForTheWholeBlock() {
		ByteBuf packet = postHeaderAndVars();
		assertThat(this.channel.writeInbound(packet.readRetainedSlice(30))).isFalse();
		assertThat(this.channel.writeInbound(packet)).isTrue();
		UwsgiHttpRequest request = this.channel.readInbound();
		assertThat(request.uri()).isEqualTo("/upload");
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void bytesAfterTheBodyAreDiscarded() {
		ByteBuf packet = postHeaderAndVars();
		packet.writeCharSequence("hello world", StandardCharsets.US_ASCII); // the body
		packet.writeCharSequence("trailing", StandardCharsets.US_ASCII); // beyond CONTENT_LENGTH
		this.channel.writeInbound(packet);
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat(readContents(this.channel)).containsExactly("hello world<last>");
		ByteBuf secondPacket = packet(UwsgiVars.builder().add("REQUEST_METHOD", "GET").build(), "");
		assertThat(this.channel.writeInbound(secondPacket)).isFalse();
		assertThat(packet.refCnt()).isZero();
		assertThat(secondPacket.refCnt()).isZero();
		assertThat(this.userEvents.events()).isEmpty();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void pingIsAnsweredWithPongAndTheConnectionClosed() {
		byte[] ping = new byte[4];
		ping[0] = 0x64; // modifier1: 100, ping
		ping[1] = 0x00; // datasize, low byte
		ping[2] = 0x00; // datasize, high byte: no vars
		ping[3] = 0x00; // modifier2: 0, a request
		assertThat(this.channel.writeInbound(Unpooled.wrappedBuffer(ping))).isFalse();
		ByteBuf pong = this.channel.readOutbound();
		assertThat(ByteBufUtil.getBytes(pong)).containsExactly(0x64, 0x00, 0x00, 0x01); // modifier2: 1, an answer
		pong.release();
		assertThat(this.channel.isOpen()).isFalse();
		assertThat(this.userEvents.events()).isEmpty();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@ParameterizedTest(name = "modifier1 {0}")
	@ValueSource(ints = { 5, 22, 99, 101, 255 })
	void unsupportedModifierClosesWithoutResponse(int modifier1) {
		byte[] header = new byte[4];
		header[0] = (byte) modifier1; // modifier1: neither 0 (request) nor 100 (ping)
		header[1] = 0x00; // datasize, low byte
		header[2] = 0x00; // datasize, high byte
		header[3] = 0x00; // modifier2
		assertThat(this.channel.writeInbound(Unpooled.wrappedBuffer(header))).isFalse();
		assertThat(this.channel.outboundMessages()).isEmpty();
		assertThat(this.channel.isOpen()).isFalse();
		assertRefused(Reason.UNSUPPORTED_MODIFIER);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void plainHttpIsAnsweredWithBadRequestNamingUwsgiPass() {
		ByteBuf request = bytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
		assertThat(this.channel.writeInbound(request)).isFalse();
		String response = readOutbound(this.channel);
		assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("uwsgi_pass");
		assertThat(this.channel.isOpen()).isFalse();
		assertThat(request.refCnt()).isZero();
		assertRefused(Reason.HTTP_ON_UWSGI_PORT);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void varNameRunningPastTheBlockIsMalformed() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(26); // datasize
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		packet.writeShortLE(200); // name length: 200, but only 3 bytes are left in the block
		packet.writeCharSequence("abc", StandardCharsets.US_ASCII);
		assertMalformed(packet, Reason.MALFORMED_VARS);
	}

	@Test
	void valueRunningPastTheBlockIsMalformed() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(21); // datasize
		packet.writeByte(0x00); // modifier2
		packet.writeShortLE(14); // name length
		packet.writeCharSequence("REQUEST_METHOD", StandardCharsets.US_ASCII);
		packet.writeShortLE(4); // value length: 4, but only 3 bytes are left in the block
		packet.writeCharSequence("GET", StandardCharsets.US_ASCII);
		packet.writeCharSequence("X", StandardCharsets.US_ASCII); // the first byte after the block
		assertMalformed(packet, Reason.MALFORMED_VARS);
	}

	@Test
	void blockEndingInsideANameLengthIsMalformed() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(22); // datasize
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		packet.writeByte(0x0B); // the first byte of a name length, the last of the block
		assertMalformed(packet, Reason.MALFORMED_VARS);
	}

	@Test
	void blockEndingInsideAValueLengthIsMalformed() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(35); // datasize
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		packet.writeShortLE(11); // name length
		packet.writeCharSequence("REQUEST_URI", StandardCharsets.US_ASCII);
		packet.writeByte(0x01); // the first byte of the value length, the last of the block
		assertMalformed(packet, Reason.MALFORMED_VARS);
	}

	@Test
	void emptyVarNameIsRefused() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(26); // datasize
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		packet.writeShortLE(0); // name length: 0
		packet.writeShortLE(1); // value length
		packet.writeCharSequence("x", StandardCharsets.US_ASCII);
		assertMalformed(packet, Reason.EMPTY_VAR_NAME);
	}

	@Test
	void varsLargerThanMaxVarsSizeAreRefusedAsTooLongHeader() {
		UserEvents events = new UserEvents();
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(36), events);
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(37); // datasize: one byte over the limit of 36
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		writeVar(packet, "REQUEST_URI", "/"); // 16 bytes
		assertThat(channel.writeInbound(packet)).isTrue();
		HttpRequest request = channel.readInbound();
		assertThat(request.decoderResult().isFailure()).isTrue();
		assertThat(request.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
		assertThat(events.events()).singleElement()
			.isInstanceOfSatisfying(UwsgiProtocolException.class,
					(refusal) -> assertThat(refusal.reason()).isEqualTo(Reason.VARS_TOO_LARGE));
		assertThat(channel.writeInbound(bytes("more bytes"))).isFalse();
		assertThat(packet.refCnt()).isZero();
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void varsOfExactlyMaxVarsSizeAreAccepted() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(37));
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(37); // datasize: the limit
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes
		writeVar(packet, "REQUEST_URI", "/"); // 16 bytes
		assertThat(channel.writeInbound(packet)).isTrue();
		HttpRequest request = channel.readInbound();
		assertThat(request.decoderResult().isSuccess()).isTrue();
		assertThat((Object) channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidRequests")
	void invalidRequestIsRefusedWithFailedDecoderResult(String description, UwsgiVars vars, Reason reason) {
		assertMalformed(packet(vars, ""), reason);
	}

	static Stream<Arguments> invalidRequests() {
		return Stream.of(
				arguments("no REQUEST_METHOD", vars().add("REQUEST_URI", "/").build(), Reason.INVALID_REQUEST_METHOD),
				arguments("empty REQUEST_METHOD", vars().add("REQUEST_METHOD", "").add("REQUEST_URI", "/").build(),
						Reason.INVALID_REQUEST_METHOD),
				arguments("REQUEST_METHOD with a space", vars().add("REQUEST_METHOD", "GE T").build(),
						Reason.INVALID_REQUEST_METHOD),
				arguments("non-numeric CONTENT_LENGTH", get().add("CONTENT_LENGTH", "12a").build(),
						Reason.INVALID_CONTENT_LENGTH),
				arguments("negative CONTENT_LENGTH", get().add("CONTENT_LENGTH", "-1").build(),
						Reason.INVALID_CONTENT_LENGTH),
				arguments("signed CONTENT_LENGTH", get().add("CONTENT_LENGTH", "+1").build(),
						Reason.INVALID_CONTENT_LENGTH),
				arguments("CONTENT_LENGTH of 19 digits", get().add("CONTENT_LENGTH", "1000000000000000000").build(),
						Reason.INVALID_CONTENT_LENGTH),
				arguments("CR in a header value", get().add("HTTP_X_TEST", "a\rb").build(), Reason.INVALID_HEADER),
				arguments("LF in a header value", get().add("HTTP_X_TEST", "a\nSet-Cookie: x=1").build(),
						Reason.INVALID_HEADER),
				arguments("NUL in a header value", get().add("HTTP_X_TEST", "a\0b").build(), Reason.INVALID_HEADER),
				arguments("LF in HTTP_HOST", get().add("HTTP_HOST", "example.com\nX: y").build(),
						Reason.INVALID_HEADER),
				arguments("CR in CONTENT_TYPE", get().add("CONTENT_TYPE", "text/plain\r").build(),
						Reason.INVALID_HEADER),
				arguments("dot in a header var name", get().add("HTTP_X.TEST", "a").build(), Reason.INVALID_HEADER),
				arguments("space in a header var name", get().add("HTTP_X TEST", "a").build(), Reason.INVALID_HEADER),
				arguments("colon in a header var name", get().add("HTTP_X:TEST", "a").build(), Reason.INVALID_HEADER),
				arguments("empty header var name", get().add("HTTP_", "a").build(), Reason.INVALID_HEADER),
				arguments("space in REQUEST_URI", vars().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/a b").build(),
						Reason.INVALID_REQUEST_URI),
				arguments("control character in REQUEST_URI",
						vars().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/a\u007Fb").build(),
						Reason.INVALID_REQUEST_URI),
				arguments("space in QUERY_STRING without REQUEST_URI",
						vars().add("REQUEST_METHOD", "GET").add("QUERY_STRING", "a b").build(),
						Reason.INVALID_REQUEST_URI));
	}

	@Test
	void connectionClosedInsideTheHeaderIsTruncated() {
		byte[] partialHeader = new byte[2];
		partialHeader[0] = 0x00; // modifier1: HTTP request
		partialHeader[1] = 0x25; // datasize, low byte; then the peer closes
		assertThat(this.channel.writeInbound(Unpooled.wrappedBuffer(partialHeader))).isFalse();
		this.channel.close();
		assertThat(this.channel.isOpen()).isFalse();
		assertRefused(Reason.TRUNCATED_PACKET);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void connectionClosedInsideTheVarsIsTruncated() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(37); // datasize: 37 bytes announced
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "GET"); // 21 bytes, then the peer closes
		assertThat(this.channel.writeInbound(packet)).isFalse();
		this.channel.close();
		assertThat(this.channel.isOpen()).isFalse();
		assertThat((Object) this.channel.readInbound()).isNull();
		assertRefused(Reason.TRUNCATED_PACKET);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void connectionClosedBeforeAnyByteIsNoRefusal() {
		this.channel.close();
		assertThat(this.userEvents.events()).isEmpty();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void decodedRequestIsAvailableAsChannelAttribute() {
		this.channel.writeInbound(packet(get().build(), ""));
		UwsgiHttpRequest request = this.channel.readInbound();
		assertThat(this.channel.attr(UwsgiHttpRequest.CHANNEL_ATTRIBUTE).get()).isSameAs(request);
		assertThat((Object) this.channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void requestIsCompleteOnceTheLastBodyByteHasBeenRead() {
		UwsgiRequestDecoder decoder = new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE);
		EmbeddedChannel channel = new EmbeddedChannel(decoder);
		channel.writeInbound(postHeaderAndVars());
		assertThat(decoder.isRequestComplete()).isFalse();
		channel.writeInbound(bytes("hello worl"));
		assertThat(decoder.isRequestComplete()).isFalse();
		channel.writeInbound(bytes("d"));
		assertThat(decoder.isRequestComplete()).isTrue();
		assertThat((Object) channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat(readContents(channel)).containsExactly("hello worl", "d<last>");
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void headRequestIsRemembered() {
		UwsgiRequestDecoder decoder = new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE);
		EmbeddedChannel channel = new EmbeddedChannel(decoder);
		assertThat(decoder.isHeadRequest()).isFalse();
		channel.writeInbound(packet(vars().add("REQUEST_METHOD", "HEAD").add("REQUEST_URI", "/").build(), ""));
		assertThat(decoder.isHeadRequest()).isTrue();
		assertThat((Object) channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat((Object) channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	@ParameterizedTest(name = "maxVarsSize {0}")
	@ValueSource(ints = { 0, -1, UwsgiConstants.MAX_VARS_SIZE + 1 })
	void maxVarsSizeOutsideTheProtocolRangeIsRejected(int maxVarsSize) {
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiRequestDecoder(maxVarsSize))
			.withMessageContaining("maxVarsSize");
	}

	/**
	 * A POST to /upload with an 11-byte body, header and vars only.
	 */
	private static ByteBuf postHeaderAndVars() {
		ByteBuf packet = Unpooled.buffer();
		packet.writeByte(0x00); // modifier1: HTTP request
		packet.writeShortLE(64); // datasize
		packet.writeByte(0x00); // modifier2
		writeVar(packet, "REQUEST_METHOD", "POST"); // 2 + 14 + 2 + 4 = 22 bytes
		writeVar(packet, "REQUEST_URI", "/upload"); // 2 + 11 + 2 + 7 = 22 bytes
		writeVar(packet, "CONTENT_LENGTH", "11"); // 2 + 14 + 2 + 2 = 20 bytes
		return packet;
	}

	private static UwsgiVars.Builder vars() {
		return UwsgiVars.builder();
	}

	private static UwsgiVars.Builder get() {
		return UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/");
	}

	private void assertMalformed(ByteBuf packet, Reason reason) {
		assertThat(this.channel.writeInbound(packet)).isTrue();
		HttpRequest request = this.channel.readInbound();
		assertThat(request.decoderResult().isFailure()).isTrue();
		assertThat(request.decoderResult().cause()).isInstanceOfSatisfying(UwsgiProtocolException.class,
				(cause) -> assertThat(cause.reason()).isEqualTo(reason));
		assertThat((Object) this.channel.readInbound()).isNull();
		assertRefused(reason);
		assertThat(this.channel.writeInbound(bytes("body bytes after a refused packet"))).isFalse();
		assertThat(packet.refCnt()).isZero();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	private void assertRefused(Reason reason) {
		assertThat(this.userEvents.events()).singleElement()
			.isInstanceOfSatisfying(UwsgiProtocolException.class,
					(refusal) -> assertThat(refusal.reason()).isEqualTo(reason));
	}

}
