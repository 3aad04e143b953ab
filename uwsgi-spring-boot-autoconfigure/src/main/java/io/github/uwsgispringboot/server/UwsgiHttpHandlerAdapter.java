package io.github.uwsgispringboot.server;

import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;

import io.github.uwsgispringboot.codec.UwsgiHttpRequest;

/**
 * Hands each request to the application's {@link HttpHandler} as the client made it at the proxy:
 * client address, scheme and mount prefix come from the uwsgi vars, the same way over TCP and unix
 * sockets.
 */
final class UwsgiHttpHandlerAdapter implements HttpHandler {

	private final HttpHandler delegate;

	/** Whether each connection has a {@link UwsgiRequestTimer}. */
	private final boolean timed;

	UwsgiHttpHandlerAdapter(HttpHandler delegate, boolean timed) {
		this.delegate = delegate;
		this.timed = timed;
	}

	@Override
	public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
		Connection connection = ServerHttpRequestDecorator.getNativeRequest(request);
		UwsgiHttpRequest uwsgiRequest = connection.channel().attr(UwsgiHttpRequest.CHANNEL_ATTRIBUTE).get();
		ServerHttpRequest clientRequest;
		try {
			clientRequest = new UwsgiServerHttpRequest(request, uwsgiRequest);
		}
		catch (IllegalArgumentException ex) {
			response.setStatusCode(HttpStatus.BAD_REQUEST);
			return response.setComplete();
		}
		Mono<Void> handling = this.delegate.handle(clientRequest, response);
		if (!this.timed) {
			return handling;
		}
		UwsgiRequestTimer timer = (UwsgiRequestTimer) connection.channel().pipeline().get(UwsgiRequestTimer.NAME);
		return handling.timeout(timer.expiry())
			.onErrorResume(TimeoutException.class, (ex) -> timedOut(timer, response, connection));
	}

	/**
	 * The application's handling was cancelled by the request timeout: answer 504 if none of the
	 * response was sent, else close the connection, which cuts the response as a failed one is (a
	 * reset over TCP, see {@code UwsgiServerCodec}), without a second log line.
	 */
	private static Mono<Void> timedOut(UwsgiRequestTimer timer, ServerHttpResponse response, Connection connection) {
		boolean started = response.isCommitted();
		timer.timedOut(started);
		if (started) {
			connection.channel().close();
			return Mono.empty();
		}
		response.getHeaders().clear();
		response.getCookies().clear();
		response.setStatusCode(HttpStatus.GATEWAY_TIMEOUT);
		response.getHeaders().setContentLength(0);
		return response.setComplete();
	}

}
