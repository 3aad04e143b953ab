package io.github.uwsgispringboot.test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.codec.UwsgiHttpRequest;
import io.github.uwsgispringboot.codec.UwsgiRequestDecoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UwsgiClientCodec}: requests leave as one uwsgi packet that the server's own
 * decoder reads back, responses are decoded the way a uwsgi peer delimits them.
 */
class UwsgiClientCodecTest {

	private final EmbeddedChannel client = new EmbeddedChannel(
			new UwsgiClientCodec(new NginxUwsgiParams(false, "localhost", 80, null, Map.of())));

	private final EmbeddedChannel server = new EmbeddedChannel(new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE));

	@AfterEach
	void releaseEverything() {
		this.client.finishAndReleaseAll();
		this.server.finishAndReleaseAll();
	}

	@Test
	void requestIsHeldBackUntilItsLastContentThenSentAsOnePacketWithItsLength() {
		HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
		head.headers().add("Host", "localhost").add("Transfer-Encoding", "chunked");
		this.client.writeOutbound(head, new DefaultHttpContent(bytes("hello ")), bytes("uwsgi "));
		assertThat((Object) this.client.readOutbound()).isNull();
		this.client.writeOutbound(new DefaultLastHttpContent(bytes("world")));
		ByteBuf packet = this.client.readOutbound();
		assertThat((Object) this.client.readOutbound()).isNull();
		this.server.writeInbound(packet);
		UwsgiHttpRequest request = this.server.readInbound();
		assertThat(request.vars().get("REQUEST_METHOD")).isEqualTo("POST");
		assertThat(request.vars().get("CONTENT_LENGTH")).isEqualTo("17");
		assertThat(request.vars().get("HTTP_TRANSFER_ENCODING")).isNull();
		assertThat(readBody(this.server)).isEqualTo("hello uwsgi world");
	}

	@Test
	void requestWithoutBodySendsAnEmptyContentLengthAsNginxDoesForAGet() {
		this.client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/hello"));
		this.server.writeInbound((ByteBuf) this.client.readOutbound());
		UwsgiHttpRequest request = this.server.readInbound();
		assertThat(request.vars().get("CONTENT_LENGTH")).isEmpty();
		assertThat(request.vars().get("HTTP_CONTENT_LENGTH")).isNull();
		assertThat(readBody(this.server)).isEmpty();
	}

	@Test
	void varsBlockLargerThanTheProtocolAllowsFailsTheWriteAndTheExchangeAndReleasesTheBody() {
		HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
		head.headers().add("X-Big", "x".repeat(UwsgiConstants.MAX_VARS_SIZE));
		ByteBuf body = bytes("body");
		this.client.writeOutbound(head);
		ChannelFuture written = this.client.writeOneOutbound(new DefaultLastHttpContent(body));
		assertThat(written.cause()).isInstanceOf(EncoderException.class).hasMessageContaining("exceeds 65535");
		assertThatExceptionOfType(EncoderException.class).isThrownBy(this.client::checkException);
		assertThat(body.refCnt()).isZero();
		assertThat((Object) this.client.readOutbound()).isNull();
	}

	@Test
	void bodyHeldBackIsReleasedWhenTheConnectionCloses() {
		ByteBuf body = bytes("never sent");
		this.client.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/"),
				new DefaultHttpContent(body));
		this.client.close();
		assertThat(body.refCnt()).isZero();
	}

	@Test
	void responseWithoutContentLengthEndsWhenTheServerCloses() {
		sendGet(HttpMethod.GET);
		this.client.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst "));
		this.client.writeInbound(bytes("second"));
		HttpResponse response = this.client.readInbound();
		assertThat(response.decoderResult().isSuccess()).isTrue();
		assertThat(readContents(this.client)).isEqualTo("first second");
		this.client.finish();
		LastHttpContent last = this.client.readInbound();
		assertThat(last.decoderResult().isSuccess()).isTrue();
	}

	@Test
	void responseToHeadEndsAfterItsHeadersWhateverItsContentLength() {
		sendGet(HttpMethod.HEAD);
		this.client.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n"));
		HttpResponse response = this.client.readInbound();
		assertThat(response.decoderResult().isSuccess()).isTrue();
		assertThat((Object) this.client.readInbound()).isInstanceOf(LastHttpContent.class);
	}

	@Test
	void chunkedResponseFailsBecauseNginxWouldCopyTheChunkMarkersIntoTheBody() {
		sendGet(HttpMethod.GET);
		this.client.writeInbound(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
		HttpResponse response = this.client.readInbound();
		assertThat(response.decoderResult().cause()).hasMessageContaining("chunk markers");
	}

	@Test
	void interimResponseFailsBecauseNginxWouldTakeItForTheFinalOne() {
		sendGet(HttpMethod.GET);
		this.client.writeInbound(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
		HttpResponse response = this.client.readInbound();
		assertThat(response.decoderResult().cause()).hasMessageContaining("100 Continue");
	}

	private void sendGet(HttpMethod method) {
		this.client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/"));
		ByteBuf packet = this.client.readOutbound();
		packet.release();
	}

	private static String readBody(EmbeddedChannel channel) {
		String body = readContents(channel);
		assertThat((Object) channel.readInbound()).isNull();
		return body;
	}

	/**
	 * Read and release the contents waiting in the channel, up to and including a last content.
	 */
	private static String readContents(EmbeddedChannel channel) {
		StringBuilder contents = new StringBuilder();
		for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
			HttpContent content = (HttpContent) message;
			contents.append(content.content().toString(StandardCharsets.ISO_8859_1));
			content.release();
			if (content instanceof LastHttpContent) {
				break;
			}
		}
		return contents.toString();
	}

	private static ByteBuf bytes(String text) {
		return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
	}

}
