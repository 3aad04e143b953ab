package io.github.uwsgispringboot.server;

import java.time.Duration;
import java.util.List;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.codec.UwsgiHttpRequest;
import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;
import io.github.uwsgispringboot.protocol.UwsgiRequest;

/**
 * Sits behind the uwsgi codec of one connection and tells the {@link UwsgiServerListener}s about
 * it: opened, closed, packets refused, and each request with its response status, body sizes and
 * duration. Installed only when there is a listener.
 */
final class UwsgiExchangeHandler extends ChannelDuplexHandler {

	static final String NAME = "uwsgi.exchangeHandler";

	private final String transport;

	private final List<UwsgiServerListener> listeners;

	private UwsgiRequest request;

	private long start;

	private int status;

	private long received;

	private long sent;

	private boolean completed;

	UwsgiExchangeHandler(String transport, List<UwsgiServerListener> listeners) {
		this.transport = transport;
		this.listeners = listeners;
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) {
		for (UwsgiServerListener listener : this.listeners) {
			listener.connectionOpened(this.transport);
		}
		ctx.fireChannelActive();
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		if (this.status >= 200 && !this.completed) {
			// a response head went out, its end never did: cut short
			UwsgiExchange exchange = exchange();
			for (UwsgiServerListener listener : this.listeners) {
				listener.exchangeFailed(exchange);
			}
		}
		for (UwsgiServerListener listener : this.listeners) {
			listener.connectionClosed(this.transport);
		}
		ctx.fireChannelInactive();
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (msg instanceof HttpRequest) {
			this.start = System.nanoTime();
			this.request = (msg instanceof UwsgiHttpRequest uwsgiRequest) ? uwsgiRequest.uwsgiRequest() : null;
		}
		if (msg instanceof HttpContent content) {
			this.received += content.content().readableBytes();
		}
		ctx.fireChannelRead(msg);
	}

	@Override
	public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
		if (event instanceof UwsgiProtocolException refused) {
			for (UwsgiServerListener listener : this.listeners) {
				listener.packetRejected(this.transport, refused.reason());
			}
		}
		ctx.fireUserEventTriggered(event);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
		if (msg instanceof HttpResponse response) {
			this.status = response.status().code();
		}
		if (msg instanceof HttpContent content) {
			this.sent += content.content().readableBytes();
		}
		else if (msg instanceof FileRegion region) {
			this.sent += region.count();
		}
		if (msg instanceof LastHttpContent && !this.completed && this.status >= 200) {
			this.completed = true;
			promise = promise.unvoid();
			promise.addListener((ChannelFuture written) -> completed());
		}
		ctx.write(msg, promise);
	}

	private UwsgiExchange exchange() {
		Duration duration = Duration.ofNanos((this.start != 0) ? System.nanoTime() - this.start : 0);
		return new UwsgiExchange(this.transport, this.request, this.status, this.received, this.sent, duration);
	}

	private void completed() {
		UwsgiExchange exchange = exchange();
		for (UwsgiServerListener listener : this.listeners) {
			listener.exchangeCompleted(exchange);
		}
	}

}
