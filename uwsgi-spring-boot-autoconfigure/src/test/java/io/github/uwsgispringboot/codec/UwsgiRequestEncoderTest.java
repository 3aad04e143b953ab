package io.github.uwsgispringboot.codec;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

import static io.github.uwsgispringboot.codec.UwsgiPackets.bytes;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readContents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Tests for {@link UwsgiRequestEncoder}, alone and in a round trip through
 * {@link UwsgiRequestDecoder}.
 */
class UwsgiRequestEncoderTest {

	@Test
	void encodesHeaderAndVarsAsTheProtocolFramesThem() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestEncoder());
		assertThat(channel.writeOutbound(UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("X", "").build()))
			.isTrue();
		byte[] expected = new byte[4 + 21 + 5];
		expected[0] = 0x00; // modifier1: HTTP request
		expected[1] = 0x1A; // datasize, low byte: 26
		expected[2] = 0x00; // datasize, high byte
		expected[3] = 0x00; // modifier2
		expected[4] = 0x0E; // name length, low byte: 14
		expected[5] = 0x00; // name length, high byte
		System.arraycopy("REQUEST_METHOD".getBytes(StandardCharsets.US_ASCII), 0, expected, 6, 14);
		expected[20] = 0x03; // value length, low byte: 3
		expected[21] = 0x00; // value length, high byte
		System.arraycopy("GET".getBytes(StandardCharsets.US_ASCII), 0, expected, 22, 3);
		expected[25] = 0x01; // name length, low byte: 1
		expected[26] = 0x00; // name length, high byte
		expected[27] = 'X'; // name
		expected[28] = 0x00; // value length, low byte: an empty value
		expected[29] = 0x00; // value length, high byte
		ByteBuf encoded = channel.readOutbound();
		assertThat(ByteBufUtil.getBytes(encoded)).isEqualTo(expected);
		encoded.release();
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void encodedPacketDecodesToTheSameVars() {
		UwsgiVars vars = UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", "/caf%C3%A9?q=1")
			.add("CONTENT_LENGTH", "4")
			.add("HTTP_COOKIE", "a=1")
			.add("HTTP_COOKIE", "b=2")
			.add("HTTP_X_LATIN1", "caf\u00E9")
			.add("EMPTY", "")
			.build();
		EmbeddedChannel client = new EmbeddedChannel(new UwsgiRequestEncoder());
		client.writeOutbound(vars);
		ByteBuf packet = client.readOutbound();
		EmbeddedChannel server = new EmbeddedChannel(new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE));
		server.writeInbound(packet, bytes("body"));
		UwsgiHttpRequest request = server.readInbound();
		assertThat(request.vars()).isEqualTo(vars);
		assertThat(readContents(server)).containsExactly("body<last>");
		assertThat(client.finishAndReleaseAll()).isFalse();
		assertThat(server.finishAndReleaseAll()).isFalse();
	}

	@Test
	void emptyVarsEncodeToAHeaderWithDatasizeZero() {
		ByteBuf out = Unpooled.buffer();
		UwsgiRequestEncoder.encode(UwsgiVars.empty(), out);
		assertThat(ByteBufUtil.getBytes(out)).containsExactly(0x00, 0x00, 0x00, 0x00);
		out.release();
	}

	@Test
	void varLongerThanTheLengthFieldCanSayIsRefused() {
		UwsgiVars vars = UwsgiVars.builder().add("X", "v".repeat(UwsgiConstants.MAX_VAR_LENGTH + 1)).build();
		ByteBuf out = Unpooled.buffer();
		assertThatExceptionOfType(EncoderException.class).isThrownBy(() -> UwsgiRequestEncoder.encode(vars, out))
			.withMessageContaining("65536");
		out.release();
	}

	@Test
	void blockLargerThanTheDatasizeFieldCanSayIsRefused() {
		UwsgiVars vars = UwsgiVars.builder()
			.add("A", "v".repeat(40_000))
			.add("B", "v".repeat(40_000))
			.build();
		ByteBuf out = Unpooled.buffer();
		assertThatExceptionOfType(EncoderException.class).isThrownBy(() -> UwsgiRequestEncoder.encode(vars, out))
			.withMessageContaining("exceeds 65535");
		out.release();
	}

	@Test
	void largestBlockTheProtocolAllowsRoundTrips() {
		String uri = "/" + "a".repeat(65_498);
		// REQUEST_METHOD: 2 + 14 + 2 + 3 = 21 bytes, REQUEST_URI: 2 + 11 + 2 + 65499 = 65514 bytes
		UwsgiVars vars = UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", uri).build();
		ByteBuf packet = Unpooled.buffer();
		UwsgiRequestEncoder.encode(vars, packet);
		assertThat(packet.getUnsignedShortLE(1)).isEqualTo(UwsgiConstants.MAX_VARS_SIZE);
		EmbeddedChannel server = new EmbeddedChannel(new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE));
		server.writeInbound(packet);
		UwsgiHttpRequest request = server.readInbound();
		assertThat(request.uri()).isEqualTo(uri);
		assertThat((Object) server.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat(packet.refCnt()).isZero();
		assertThat(server.finishAndReleaseAll()).isFalse();
	}

}
