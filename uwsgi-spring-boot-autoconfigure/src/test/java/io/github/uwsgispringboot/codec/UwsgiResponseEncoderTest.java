package io.github.uwsgispringboot.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.github.uwsgispringboot.codec.UwsgiPackets.bytes;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readOutbound;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiResponseEncoder}.
 */
class UwsgiResponseEncoderTest {

	private final EmbeddedChannel channel = new EmbeddedChannel(new UwsgiResponseEncoder());

	@Test
	void headersWithCrLfOrNulAreRemovedNotWritten() {
		HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
				io.netty.buffer.Unpooled.EMPTY_BUFFER,
				io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withValidation(false),
				io.netty.handler.codec.http.DefaultHttpHeadersFactory.trailersFactory());
		response.headers().set("X-Split", "a\r\nSet-Cookie: stolen=1");
		response.headers().set("X-Nul", "a\u0000b");
		response.headers().set("X-Fine", "ok");
		response.headers().set("Content-Length", "0");
		this.channel.writeOutbound(response);
		assertThat(readOutbound(this.channel))
			.isEqualTo("HTTP/1.1 200 OK\r\nX-Fine: ok\r\nContent-Length: 0\r\n\r\n");
	}

	@Test
	void chunkedResponseIsWrittenRawWithoutTransferEncoding() {
		HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
		response.headers().set("Transfer-Encoding", "chunked");
		response.headers().set("Content-Type", "text/plain");
		this.channel.writeOutbound(response, new DefaultHttpContent(bytes("hello ")),
				new DefaultHttpContent(bytes("streamed ")), new DefaultLastHttpContent(bytes("world")));
		String written = readOutbound(this.channel);
		assertThat(written).isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello streamed world");
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void responseWithContentLengthIsWrittenAsIs() {
		HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
		response.headers().set("Content-Length", "9");
		this.channel.writeOutbound(response, new DefaultLastHttpContent(bytes("not found")));
		assertThat(readOutbound(this.channel))
			.isEqualTo("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void continueIsDroppedAndItsPromiseSucceeds() {
		DefaultFullHttpResponse interim = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
				HttpResponseStatus.CONTINUE, bytes("ignored"));
		ChannelFuture written = this.channel.writeOneOutbound(interim);
		this.channel.flushOutbound();
		assertThat(written.isSuccess()).isTrue();
		assertThat(this.channel.outboundMessages()).isEmpty();
		assertThat(interim.refCnt()).isZero();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(ints = { 100, 102, 103 })
	void interimResponseOtherThanSwitchingProtocolsIsDroppedBeforeTheFinalOne(int status) {
		this.channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status)));
		HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
		response.headers().set("Content-Length", "2");
		this.channel.writeOutbound(response, new DefaultLastHttpContent(bytes("ok")));
		assertThat(readOutbound(this.channel)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void switchingProtocolsIsWritten() {
		HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
		response.headers().set("Upgrade", "websocket").set("Connection", "Upgrade");
		this.channel.writeOutbound(response);
		assertThat(readOutbound(this.channel)).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
			.contains("Upgrade: websocket\r\n");
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(ints = { 204, 304 })
	void noContentAndNotModifiedHaveNoBody(int status) {
		HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
		response.headers().set("ETag", "\"1\"");
		LastHttpContent content = new DefaultLastHttpContent(bytes("must not be sent"));
		this.channel.writeOutbound(response, content);
		assertThat(readOutbound(this.channel)).startsWith("HTTP/1.1 " + status + " ")
			.endsWith("ETag: \"1\"\r\n\r\n")
			.doesNotContain("must not be sent");
		assertThat(content.refCnt()).isZero();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void encoderWithoutDecoderSendsTheBodyOfEveryResponse() {
		ByteBuf body = bytes("body");
		DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
				body);
		response.headers().set("Content-Length", "4");
		this.channel.writeOutbound(response);
		assertThat(readOutbound(this.channel)).endsWith("\r\n\r\nbody");
		assertThat(body.refCnt()).isZero();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

}
