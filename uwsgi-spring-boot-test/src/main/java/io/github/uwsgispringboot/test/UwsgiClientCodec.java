package io.github.uwsgispringboot.test;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import io.github.uwsgispringboot.codec.UwsgiRequestEncoder;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * The client side of a uwsgi connection, in place of Reactor Netty's HTTP/1.1 client codec.
 * <p>
 * A uwsgi packet announces the body length in its vars, and has no chunking: the request is held
 * back until its last content, then written as one packet (header, vars, body). The response is
 * plain HTTP/1.1, delimited by {@code Content-Length} or by the server closing the connection; a
 * response nginx would mangle (chunked, or an interim {@code 1xx}) fails with a
 * {@link DecoderException} instead of being decoded the way an HTTP client would.
 */
final class UwsgiClientCodec
		extends CombinedChannelDuplexHandler<UwsgiClientCodec.ResponseDecoder, UwsgiClientCodec.RequestEncoder> {

	UwsgiClientCodec(NginxUwsgiParams params) {
		ResponseDecoder decoder = new ResponseDecoder();
		init(decoder, new RequestEncoder(params, decoder));
	}

	static final class ResponseDecoder extends HttpResponseDecoder {

		private boolean headRequest;

		@Override
		protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
			int decoded = out.size();
			super.decode(ctx, buffer, out);
			for (int i = decoded; i < out.size(); i++) {
				if (out.get(i) instanceof HttpResponse response && response.decoderResult().isSuccess()) {
					checkUwsgiPeersCanRead(response);
				}
			}
		}

		private static void checkUwsgiPeersCanRead(HttpResponse response) {
			HttpResponseStatus status = response.status();
			if (HttpUtil.isTransferEncodingChunked(response)) {
				response.setDecoderResult(DecoderResult.failure(new DecoderException("uwsgi response with "
						+ "Transfer-Encoding: chunked: nginx would copy the chunk markers into the client's body")));
			}
			else if (status.codeClass() == HttpStatusClass.INFORMATIONAL
					&& status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
				response.setDecoderResult(DecoderResult.failure(new DecoderException("uwsgi response " + status
						+ " before the final one: nginx would take it for the final response")));
			}
		}

		@Override
		protected boolean isContentAlwaysEmpty(HttpMessage message) {
			return this.headRequest || super.isContentAlwaysEmpty(message);
		}

	}

	static final class RequestEncoder extends ChannelOutboundHandlerAdapter {

		private final NginxUwsgiParams params;

		private final ResponseDecoder decoder;

		private HttpRequest request;

		private CompositeByteBuf body;

		RequestEncoder(NginxUwsgiParams params, ResponseDecoder decoder) {
			this.params = params;
			this.decoder = decoder;
		}

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
			if (msg instanceof HttpRequest head) {
				releaseBody();
				this.request = head;
				// as many components as the body arrives in: no copy until the packet is written
				this.body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
				this.decoder.headRequest = HttpMethod.HEAD.equals(head.method());
			}
			ByteBuf content = (msg instanceof HttpContent httpContent) ? httpContent.content()
					: (msg instanceof ByteBuf buffer) ? buffer : null;
			if (this.body == null || (content == null && !(msg instanceof HttpRequest))) {
				ReferenceCountUtil.release(msg);
				promise.setFailure(new UnsupportedMessageTypeException(msg, HttpRequest.class, HttpContent.class,
						ByteBuf.class));
				return;
			}
			if (content != null) {
				this.body.addComponent(true, content);
			}
			if (msg instanceof LastHttpContent) {
				writePacket(ctx, promise);
			}
			else {
				promise.setSuccess();
			}
		}

		private void writePacket(ChannelHandlerContext ctx, ChannelPromise promise) {
			HttpRequest request = this.request;
			ByteBuf body = this.body;
			this.request = null;
			this.body = null;
			boolean hasBody = body.isReadable() || HttpUtil.isContentLengthSet(request)
					|| HttpUtil.isTransferEncodingChunked(request);
			ByteBuf packet = ctx.alloc().buffer();
			try {
				UwsgiVars vars = this.params.vars(request, hasBody ? body.readableBytes() : -1,
						ctx.channel().localAddress());
				UwsgiRequestEncoder.encode(vars, packet);
			}
			catch (RuntimeException ex) {
				packet.release();
				body.release();
				promise.setFailure(ex);
				// Reactor Netty ignores the outcome of the last write: fail the exchange itself
				ctx.fireExceptionCaught(ex);
				ctx.close();
				return;
			}
			ctx.write(Unpooled.wrappedBuffer(packet, body), promise);
		}

		@Override
		public void handlerRemoved(ChannelHandlerContext ctx) {
			releaseBody();
		}

		private void releaseBody() {
			if (this.body != null) {
				this.body.release();
				this.body = null;
			}
		}

	}

}
