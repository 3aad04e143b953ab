package io.github.uwsgispringboot.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.codec.UwsgiHttpRequest;
import io.github.uwsgispringboot.codec.UwsgiRequestDecoder;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiRefusalLog;
import io.github.uwsgispringboot.protocol.UwsgiRequest;

/**
 * Applies a {@link UwsgiAccessPolicy} to the request of one connection, behind the codec: a request
 * that fails it is answered 403 and never reaches the application; the shared secret var of one
 * that passes is removed before the application sees the request.
 */
final class UwsgiAccessHandler extends ChannelInboundHandlerAdapter {

	static final String NAME = "uwsgi.accessHandler";

	private final UwsgiAccessPolicy policy;

	private boolean refused;

	UwsgiAccessHandler(UwsgiAccessPolicy policy) {
		this.policy = policy;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (this.refused) {
			ReferenceCountUtil.release(msg);
			return;
		}
		if (msg instanceof UwsgiHttpRequest request) {
			UwsgiRequest checked;
			try {
				checked = this.policy.check(ctx.channel().remoteAddress(), request.uwsgiRequest());
			}
			catch (UwsgiProtocolException refusal) {
				refuse(ctx, refusal);
				return;
			}
			if (checked != request.uwsgiRequest()) {
				UwsgiHttpRequest withoutSecret = new UwsgiHttpRequest(checked);
				ctx.channel().attr(UwsgiHttpRequest.CHANNEL_ATTRIBUTE).set(withoutSecret);
				msg = withoutSecret;
			}
		}
		ctx.fireChannelRead(msg);
	}

	private void refuse(ChannelHandlerContext ctx, UwsgiProtocolException refusal) {
		this.refused = true;
		UwsgiRefusalLog.log(UwsgiRequestDecoder.peer(ctx.channel()), refusal);
		// from the head, so that the handlers between the codec and this one count it too
		ctx.pipeline().fireUserEventTriggered(refusal);
		FullHttpResponse forbidden = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN,
				Unpooled.EMPTY_BUFFER);
		forbidden.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
		ctx.writeAndFlush(forbidden);
	}

}
