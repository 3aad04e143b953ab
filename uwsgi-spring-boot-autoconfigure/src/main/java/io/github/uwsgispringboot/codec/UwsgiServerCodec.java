package io.github.uwsgispringboot.codec;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The server side of a uwsgi connection: a {@link UwsgiRequestDecoder} and a
 * {@link UwsgiResponseEncoder}, and the protocol's connection handling. One request is served per
 * connection; once the response is written the connection is closed, <em>lingeringly</em> when the
 * request body has not been read to its end: output is shut down (FIN), the rest of the body is read
 * and discarded until the peer closes or {@code lingerTimeout} passes, then the connection is
 * closed. Closing at once with unread input would send a TCP reset, and nginx may turn the response
 * it has just received into a 502.
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
		UwsgiRequestDecoder decoder = new UwsgiRequestDecoder(maxVarsSize);
		init(decoder, new ConnectionClosingEncoder(decoder));
		this.lingerTimeoutNanos = lingerTimeout.toNanos();
	}

	private final class ConnectionClosingEncoder extends UwsgiResponseEncoder {

		private final UwsgiRequestDecoder decoder;

		private boolean upgraded;

		private boolean lingering;

		ConnectionClosingEncoder(UwsgiRequestDecoder decoder) {
			super(decoder);
			this.decoder = decoder;
		}

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
			if (msg instanceof HttpResponse response
					&& response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
				this.upgraded = true;
			}
			if (msg instanceof LastHttpContent && !this.upgraded) {
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
			this.decoder.discardInput();
			channel.config().setAutoRead(true);
			duplex.shutdownOutput();
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
			super.close(ctx, promise);
		}

	}

}
