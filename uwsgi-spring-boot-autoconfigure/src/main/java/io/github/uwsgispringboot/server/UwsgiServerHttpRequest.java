package io.github.uwsgispringboot.server;

import java.net.InetSocketAddress;
import java.net.URI;

import org.springframework.http.server.RequestPath;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.SslInfo;

import io.github.uwsgispringboot.codec.UwsgiHttpRequest;

/**
 * A request as the client made it at the proxy: the scheme, the client address, the client's TLS
 * session and the context path ({@code SCRIPT_NAME}) come from the uwsgi vars; the host and the raw path and query come
 * from the request Reactor Netty built ({@code Host} and {@code REQUEST_URI}).
 */
final class UwsgiServerHttpRequest extends ServerHttpRequestDecorator {

	private final UwsgiHttpRequest uwsgiRequest;

	private final URI uri;

	private final RequestPath path;

	private SslInfo sslInfo;

	UwsgiServerHttpRequest(ServerHttpRequest delegate, UwsgiHttpRequest uwsgiRequest) {
		super(delegate);
		this.uwsgiRequest = uwsgiRequest;
		URI reactorUri = delegate.getURI();
		if (uwsgiRequest.scheme().equals(reactorUri.getScheme())) {
			this.uri = reactorUri;
		}
		else {
			String rawQuery = reactorUri.getRawQuery();
			this.uri = URI.create(uwsgiRequest.scheme() + "://" + reactorUri.getRawAuthority()
					+ reactorUri.getRawPath() + ((rawQuery != null) ? "?" + rawQuery : ""));
		}
		String contextPath = uwsgiRequest.contextPath();
		this.path = contextPath.isEmpty() ? delegate.getPath() : RequestPath.parse(this.uri.getRawPath(), contextPath);
	}

	UwsgiHttpRequest uwsgiRequest() {
		return this.uwsgiRequest;
	}

	@Override
	public URI getURI() {
		return this.uri;
	}

	@Override
	public RequestPath getPath() {
		return this.path;
	}

	/**
	 * Return the client's TLS session at the proxy, from the vars: {@code null} when the client
	 * used plain HTTP, whatever the connection to the proxy is.
	 */
	@Override
	public SslInfo getSslInfo() {
		if (this.sslInfo == null && "https".equals(this.uwsgiRequest.scheme())) {
			this.sslInfo = UwsgiSslInfo.from(this.uwsgiRequest.vars());
		}
		return this.sslInfo;
	}

	@Override
	public InetSocketAddress getRemoteAddress() {
		InetSocketAddress remoteAddress = this.uwsgiRequest.remoteAddress();
		return (remoteAddress != null) ? remoteAddress : super.getRemoteAddress();
	}

}
