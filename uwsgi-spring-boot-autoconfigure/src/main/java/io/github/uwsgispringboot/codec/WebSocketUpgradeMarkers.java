package io.github.uwsgispringboot.codec;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Inert stand-ins for Netty's HTTP decoder and encoder, placed behind the uwsgi codec when a
 * WebSocket upgrade is requested. Netty's WebSocket handshake looks the HTTP decoder and encoder up
 * by class: it replaces the decoder with the frame decoder, puts the frame encoder before the
 * encoder and removes the encoder once the {@code 101} is written. These let everything pass and are
 * what the handshake finds; the uwsgi codec stays and lets the frames pass once the connection is
 * upgraded (nginx tunnels them after the {@code 101}).
 */
final class WebSocketUpgradeMarkers {

	private static final String DECODER = "uwsgi.webSocketUpgradeDecoder";

	private static final String ENCODER = "uwsgi.webSocketUpgradeEncoder";

	private WebSocketUpgradeMarkers() {
	}

	/**
	 * Put the markers behind {@code codecName}, once.
	 */
	static void install(ChannelPipeline pipeline, String codecName) {
		if (pipeline.get(DECODER) == null) {
			pipeline.addAfter(codecName, DECODER, new InertDecoder());
			pipeline.addAfter(DECODER, ENCODER, new InertEncoder());
		}
	}

	private static final class InertDecoder extends HttpRequestDecoder {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			ctx.fireChannelRead(msg);
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			ctx.fireChannelReadComplete();
		}

	}

	private static final class InertEncoder extends HttpResponseEncoder {

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
			ctx.write(msg, promise);
		}

	}

}
