package io.github.uwsgispringboot.server;

import java.util.Optional;

import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

import io.github.uwsgispringboot.codec.UwsgiHttpRequest;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * What the proxy sent with a request that arrived over uwsgi: every var, custom
 * {@code uwsgi_param} values included, which never become headers. Works on the request a handler
 * gets, however filters have decorated or mutated it:
 * <pre class="code">
 * String tenant = UwsgiRequests.vars(exchange.getRequest()).get("TENANT");
 * </pre>
 * Annotated controllers can take a {@code UwsgiVars} parameter or a {@code @UwsgiVar} one instead.
 */
public final class UwsgiRequests {

	private UwsgiRequests() {
	}

	/**
	 * Return the uwsgi request behind a request.
	 * @param request a request, as a handler or filter sees it
	 * @return the uwsgi request, empty when the request did not arrive over uwsgi
	 */
	public static Optional<UwsgiHttpRequest> uwsgiRequest(ServerHttpRequest request) {
		ServerHttpRequest current = request;
		while (current instanceof ServerHttpRequestDecorator decorator) {
			if (current instanceof UwsgiServerHttpRequest uwsgiServerRequest) {
				return Optional.of(uwsgiServerRequest.uwsgiRequest());
			}
			current = decorator.getDelegate();
		}
		// a request mutated by a filter keeps the connection it came from
		Object nativeRequest;
		try {
			nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		}
		catch (IllegalStateException ex) {
			// a mock request has no native request
			return Optional.empty();
		}
		if (nativeRequest instanceof Connection connection) {
			return Optional.ofNullable(connection.channel().attr(UwsgiHttpRequest.CHANNEL_ATTRIBUTE).get());
		}
		return Optional.empty();
	}

	/**
	 * Return the vars the proxy sent with a request.
	 * @param request a request, as a handler or filter sees it
	 * @return the vars, empty when the request did not arrive over uwsgi
	 */
	public static UwsgiVars vars(ServerHttpRequest request) {
		return uwsgiRequest(request).map(UwsgiHttpRequest::vars).orElse(UwsgiVars.empty());
	}

}
