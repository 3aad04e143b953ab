package io.github.uwsgispringboot.codec;

import java.time.Duration;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

import static io.github.uwsgispringboot.codec.UwsgiPackets.bytes;
import static io.github.uwsgispringboot.codec.UwsgiPackets.packet;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Tests for WebSocket upgrades through the uwsgi codec: the upgrade headers reach the application
 * only for a proxy that can tunnel, and after the {@code 101} the bytes pass both ways untouched.
 */
class WebSocketUpgradeTests {

	@Test
	void upgradeFromNginxKeepsTheUpgradeHeaders() {
		UwsgiHttpRequest request = UwsgiHttpRequest.from(upgrade().build());
		assertThat(request.isWebSocketUpgrade()).isTrue();
		assertThat(request.headers().get("Upgrade")).isEqualTo("websocket");
		assertThat(request.headers().get("Connection")).isEqualTo("Upgrade");
		assertThat(request.headers().get("Sec-WebSocket-Key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
	}

	@Test
	void upgradeFromApacheWhichCannotTunnelIsAPlainRequest() {
		UwsgiHttpRequest request = UwsgiHttpRequest
			.from(upgrade().add("SCRIPT_FILENAME", "proxy:uwsgi://localhost/ws").build());
		assertThat(request.isWebSocketUpgrade()).isFalse();
		assertThat(request.headers().contains("Upgrade")).isFalse();
		assertThat(request.headers().contains("Connection")).isFalse();
	}

	@Test
	void otherUpgradesAndPostsAreNotUpgrades() {
		assertThat(UwsgiHttpRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/")
			.add("HTTP_UPGRADE", "h2c")
			.add("HTTP_CONNECTION", "Upgrade")
			.build()).headers().contains("Upgrade")).isFalse();
		assertThat(UwsgiHttpRequest.from(UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", "/")
			.add("HTTP_UPGRADE", "websocket")
			.build()).isWebSocketUpgrade()).isFalse();
	}

	@Test
	void afterThe101BytesPassBothWaysAndTheConnectionStaysOpen() {
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiServerCodec(UwsgiLimits.NONE, Duration.ofSeconds(1)));
		channel.writeInbound(packet(upgrade().build(), ""));
		HttpRequest request = channel.readInbound();
		assertThat(request.headers().get("Upgrade")).isEqualTo("websocket");
		LastHttpContent end = channel.readInbound();
		end.release();
		// the stand-ins Netty's handshake looks for are in place behind the codec
		assertThat(channel.pipeline().get(HttpRequestDecoder.class)).isNotNull();
		assertThat(channel.pipeline().get(HttpResponseEncoder.class)).isNotNull();

		DefaultFullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
				HttpResponseStatus.SWITCHING_PROTOCOLS);
		switching.headers().set("Upgrade", "websocket").set("Connection", "Upgrade");
		channel.writeOutbound(switching);
		assertThat(readOutbound(channel)).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
		assertThat(channel.isOpen()).isTrue();

		channel.writeInbound(bytes("frame from the client"));
		ByteBuf inbound = channel.readInbound();
		assertThat(inbound.toString(java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("frame from the client");
		inbound.release();
		channel.writeOutbound(bytes("frame from the server"));
		assertThat(readOutbound(channel)).isEqualTo("frame from the server");
		assertThat(channel.isOpen()).isTrue();
		assertThat(channel.finishAndReleaseAll()).isFalse();
	}

	private static UwsgiVars.Builder upgrade() {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/ws")
			.add("HTTP_HOST", "example.com")
			.add("HTTP_UPGRADE", "websocket")
			.add("HTTP_CONNECTION", "Upgrade")
			.add("HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==")
			.add("HTTP_SEC_WEBSOCKET_VERSION", "13");
	}

}
