package io.github.uwsgispringboot.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import io.github.uwsgispringboot.codec.UwsgiHttpRequest;
import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiRequestTimeout;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;

/**
 * Times the request of one connection against the request timeout (see
 * {@link UwsgiRequestTimeout}): from the request's arrival to the end of its response, or to the
 * head of a stream's. When time is up it tells the {@link UwsgiHttpHandlerAdapter}, which cancels
 * the application's handling and answers 504 or cuts the response short, and then reports the
 * timeout: the log line and the listeners. Installed only when there is a request timeout.
 */
final class UwsgiRequestTimer extends ChannelDuplexHandler {

	static final String NAME = "uwsgi.requestTimer";

	private final UwsgiRequestTimeout timeout;

	private final String transport;

	private final UwsgiServerListener listener;

	private ChannelHandlerContext ctx;

	private UwsgiRequest request;

	private long start;

	private ScheduledFuture<?> deadline;

	/** Told when time is up: the handling's timeout signal, once the adapter subscribed to it. */
	private MonoSink<Boolean> expiry;

	private boolean expired;

	/** The request ended in time, or is a stream whose head was sent, or the connection closed. */
	private boolean stopped;

	private boolean headSent;

	UwsgiRequestTimer(UwsgiRequestTimeout timeout, String transport, UwsgiServerListener listener) {
		this.timeout = timeout;
		this.transport = transport;
		this.listener = listener;
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.ctx = ctx;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (msg instanceof UwsgiHttpRequest uwsgiRequest && this.deadline == null) {
			this.request = uwsgiRequest.uwsgiRequest();
			this.start = System.nanoTime();
			this.deadline = ctx.executor().schedule(this::expire, this.timeout.limitNanos(), TimeUnit.NANOSECONDS);
		}
		ctx.fireChannelRead(msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
		if (msg instanceof HttpResponse response) {
			int status = response.status().code();
			if (status >= 200 || status == 101) {
				this.headSent = true;
				if (UwsgiRequestTimeout.isStream(status, response.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
					stop();
				}
			}
		}
		if (msg instanceof LastHttpContent) {
			stop();
		}
		ctx.write(msg, promise);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		stop();
		ctx.fireChannelInactive();
	}

	private void stop() {
		this.stopped = true;
		if (this.deadline != null) {
			this.deadline.cancel(false);
		}
	}

	/**
	 * Return the signal that time is up, for {@code Mono#timeout(Publisher)}: it emits on this
	 * connection's event loop when the request timed out, and never when it ended in time.
	 * @return the signal
	 */
	Mono<Boolean> expiry() {
		return Mono.create((sink) -> this.ctx.executor().execute(() -> {
			if (this.expired) {
				sink.success(true);
			}
			else {
				this.expiry = sink;
			}
		}));
	}

	private void expire() {
		if (this.stopped || this.expired) {
			return;
		}
		this.expired = true;
		if (this.expiry != null) {
			this.expiry.success(true);
		}
		else {
			// the application never got the request: nothing to cancel but the connection
			timedOut(this.headSent);
			this.ctx.close();
		}
	}

	/**
	 * The application's handling was cancelled because time was up: log it and tell the listeners.
	 * @param responseStarted whether part of the response had been sent (the connection is cut
	 * then) or not (answered 504)
	 */
	void timedOut(boolean responseStarted) {
		Duration elapsed = Duration.ofNanos(System.nanoTime() - this.start);
		this.timeout.log(this.request, this.transport, elapsed, responseStarted, null);
		this.listener.requestTimedOut(this.transport);
	}

}
