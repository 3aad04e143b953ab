package io.github.uwsgispringboot.codec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import io.github.uwsgispringboot.protocol.UwsgiResponseRules;

/**
 * Encodes an HTTP response for a uwsgi peer: plain HTTP/1.1 (uwsgi responses have no uwsgi header)
 * as {@link HttpResponseEncoder} writes it, under the {@link UwsgiResponseRules}: never chunked,
 * never a 1xx other than {@code 101}, never a header with CR, LF or NUL. Given the connection's {@link UwsgiRequestDecoder}, a response to {@code HEAD} carries no body.
 */
public class UwsgiResponseEncoder extends HttpResponseEncoder {

	private static final InternalLogger logger = InternalLoggerFactory.getInstance(UwsgiResponseEncoder.class);

	private final UwsgiRequestDecoder decoder;

	private boolean upgraded;

	/**
	 * Create an encoder that knows nothing of the request (tests and clients).
	 */
	public UwsgiResponseEncoder() {
		this(null);
	}

	/**
	 * Create an encoder for the responses to the requests of {@code decoder}.
	 * @param decoder the decoder of the same connection, or {@code null}
	 */
	public UwsgiResponseEncoder(UwsgiRequestDecoder decoder) {
		this.decoder = decoder;
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (this.upgraded && !(msg instanceof HttpObject)) {
			// after a 101 the connection speaks the new protocol: its bytes pass as they are
			ctx.write(msg, promise);
			return;
		}
		if (msg instanceof HttpResponse response
				&& response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
			this.upgraded = true;
			if (this.decoder != null) {
				this.decoder.upgraded();
			}
		}
		if (msg instanceof HttpResponse response) {
			HttpResponseStatus status = response.status();
			if (UwsgiResponseRules.isDroppedStatus(status.code())) {
				logger.debug("Dropped interim response {}: uwsgi peers take it for the final one", status);
				ReferenceCountUtil.release(msg);
				promise.setSuccess();
				return;
			}
			response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
			removeUnsafeHeaders(response);
		}
		super.write(ctx, msg, promise);
	}

	/**
	 * Never write a header that could split the response or that a proxy rejects: a name or value
	 * with CR, LF or NUL (Apache refuses them since CVE-2023-27522).
	 */
	private static void removeUnsafeHeaders(HttpResponse response) {
		List<CharSequence> unsafe = null;
		// the headers as stored: iterating them as strings would copy every entry of every response
		Iterator<Map.Entry<CharSequence, CharSequence>> headers = response.headers().iteratorCharSequence();
		while (headers.hasNext()) {
			Map.Entry<CharSequence, CharSequence> header = headers.next();
			if (UwsgiResponseRules.isUnsafe(header.getKey()) || UwsgiResponseRules.isUnsafe(header.getValue())) {
				unsafe = (unsafe != null) ? unsafe : new ArrayList<>(1);
				unsafe.add(header.getKey());
			}
		}
		if (unsafe != null) {
			for (CharSequence name : unsafe) {
				response.headers().remove(name);
			}
			logger.error("Removed response header(s) {} with CR, LF or NUL from a {} response", unsafe,
					response.status().code());
		}
	}

	@Override
	protected boolean isContentAlwaysEmpty(HttpResponse msg) {
		return (this.decoder != null && this.decoder.isHeadRequest()) || super.isContentAlwaysEmpty(msg);
	}

}
