package io.github.uwsgispringboot.codec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;

/**
 * The server side of a uwsgi connection: a {@link UwsgiRequestDecoder} and a
 * {@link UwsgiResponseEncoder}, and the protocol's connection handling. One request is served per
 * connection; once the response is written the connection is closed, <em>lingeringly</em> when the
 * request body has not been read to its end: the rest of the body is read and discarded until it
 * is complete, the peer closes or {@code lingerTimeout} passes, then the connection is closed.
 * Closing at once with unread input would send a TCP reset, and nginx may turn the response it has
 * just received into a 502; closing our side first would make the uWSGI router cut its client off
 * while it still uploads. Only a response delimited by the close itself has its end signalled at
 * once, by shutting the output down (FIN).
 * <p>
 * A {@code close()} issued by handlers further up while lingering completes when the lingering close
 * does.
 */
public class UwsgiServerCodec extends CombinedChannelDuplexHandler<UwsgiRequestDecoder, UwsgiResponseEncoder> {

	private final long lingerTimeoutNanos;

	/**
	 * Create the codec of one connection.
	 * @param maxVarsSize the largest vars block accepted, see {@link UwsgiRequestDecoder}
	 * @param lingerTimeout how long to discard unread body bytes after the response before closing
	 */
	public UwsgiServerCodec(int maxVarsSize, Duration lingerTimeout) {
		this(UwsgiLimits.NONE.withMaxVarsSize(maxVarsSize), lingerTimeout);
	}

	/**
	 * Create the codec of one connection.
	 * @param limits the limits and deadlines the decoder enforces
	 * @param lingerTimeout how long to discard unread body bytes after the response before closing
	 */
	public UwsgiServerCodec(UwsgiLimits limits, Duration lingerTimeout) {
		AnsweringDecoder decoder = new AnsweringDecoder(limits);
		ConnectionClosingEncoder encoder = new ConnectionClosingEncoder(decoder);
		decoder.encoder = encoder;
		init(decoder, encoder);
		this.lingerTimeoutNanos = lingerTimeout.toNanos();
	}

	/**
	 * Answers refused packets itself, through the encoder, so that the error response closes the
	 * connection like any other (lingeringly over an unread body) and no handler above sees a
	 * request that is not one.
	 */
	private static final class AnsweringDecoder extends UwsgiRequestDecoder {

		private ConnectionClosingEncoder encoder;

		AnsweringDecoder(UwsgiLimits limits) {
			super(limits);
		}

		@Override
		protected void answer(ChannelHandlerContext ctx, UwsgiProtocolException refusal, List<Object> out) {
			refuse(ctx, refusal);
			FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(refusal));
			response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
			this.encoder.respond(response);
		}

	}

	private final class ConnectionClosingEncoder extends UwsgiResponseEncoder {

		private final UwsgiRequestDecoder decoder;

		private boolean upgraded;

		private boolean lingering;

		/** A response head has been written and its end has not. */
		private boolean responseOpen;

		/** The response's end is known without the connection's: Content-Length, or no body. */
		private boolean responseDelimited;

		private ChannelHandlerContext ctx;

		ConnectionClosingEncoder(UwsgiRequestDecoder decoder) {
			super(decoder);
			this.decoder = decoder;
		}

		@Override
		public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
			this.ctx = ctx;
			super.handlerAdded(ctx);
		}

		/**
		 * Write a response through this encoder, as if it came from the handlers above.
		 */
		void respond(FullHttpResponse response) {
			try {
				write(this.ctx, response, this.ctx.newPromise());
				this.ctx.flush();
			}
			catch (Exception ex) {
				this.ctx.close();
			}
		}

		@Override
		public void read(ChannelHandlerContext ctx) throws Exception {
			this.decoder.readRequested(ctx);
			super.read(ctx);
		}

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
			if (msg instanceof HttpResponse response) {
				this.upgraded = response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code();
				this.responseOpen = !this.upgraded;
				this.responseDelimited = HttpUtil.isContentLengthSet(response) || isContentAlwaysEmpty(response);
			}
			if (msg instanceof LastHttpContent && !this.upgraded) {
				this.responseOpen = false;
				promise = promise.unvoid();
				promise.addListener((ChannelFuture written) -> responseWritten(ctx, written));
			}
			super.write(ctx, msg, promise);
		}

		private void responseWritten(ChannelHandlerContext ctx, ChannelFuture written) {
			Channel channel = ctx.channel();
			if (!written.isSuccess() || !channel.isActive() || this.decoder.isRequestComplete()
					|| !(channel instanceof DuplexChannel duplex)) {
				ctx.close();
				return;
			}
			this.lingering = true;
			channel.config().setAutoRead(true);
			if (!this.responseDelimited) {
				// the body ends with the connection: the peer needs the end of our output to see it
				duplex.shutdownOutput();
			}
			this.decoder.discardBody(() -> ctx.close());
			ScheduledFuture<?> deadline = ctx.executor()
				.schedule(() -> ctx.close(), UwsgiServerCodec.this.lingerTimeoutNanos, TimeUnit.NANOSECONDS);
			channel.closeFuture().addListener((ChannelFuture closed) -> deadline.cancel(false));
		}

		@Override
		public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
			if (this.lingering && ctx.channel().isOpen()) {
				ctx.channel().closeFuture().addListener((ChannelFuture closed) -> promise.trySuccess());
				return;
			}
			if (this.responseOpen) {
				abort(ctx.channel());
			}
			super.close(ctx, promise);
		}

		/**
		 * A response closed before its end (the application failed while streaming it) must not
		 * look complete: a body delimited by the close would. Over TCP a reset tells the proxy, which
		 * then cuts the client's response short too.
		 */
		private void abort(Channel channel) {
			try {
				channel.config().setOption(ChannelOption.SO_LINGER, 0);
			}
			catch (RuntimeException ex) {
				// a transport without SO_LINGER (unix sockets): the proxy sees the end of the data
			}
		}

	}

}
