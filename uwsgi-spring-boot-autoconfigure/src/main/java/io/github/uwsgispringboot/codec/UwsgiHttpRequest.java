package io.github.uwsgispringboot.codec;

import java.net.InetSocketAddress;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * A {@link UwsgiRequest} as a Netty {@code HttpRequest}: its headers are the request's, read from
 * the {@code HTTP_*} vars when asked for, and what the proxy told about the client (address,
 * scheme), the mount prefix ({@code SCRIPT_NAME}) and every var as sent stay available.
 * <p>
 * The protocol version is always HTTP/1.1: it describes our connection to the proxy, not the
 * client's ({@code SERVER_PROTOCOL} stays available in the vars).
 */
public final class UwsgiHttpRequest extends DefaultHttpRequest {

	/**
	 * Channel attribute holding the request of the connection once it has been decoded, for the
	 * layers above Netty's HTTP messages (one request per connection).
	 */
	public static final AttributeKey<UwsgiHttpRequest> CHANNEL_ATTRIBUTE = AttributeKey
		.valueOf(UwsgiHttpRequest.class, "request");

	private final UwsgiRequest request;

	/**
	 * Adapt a request read from a packet.
	 * @param request the request
	 */
	public UwsgiHttpRequest(UwsgiRequest request) {
		super(HttpVersion.HTTP_1_1, HttpMethod.valueOf(request.method()), request.uri(),
				new UwsgiRequestHeaders(request));
		this.request = request;
	}

	/**
	 * Read a request from the vars of a packet.
	 * @param vars the vars of the packet
	 * @return the request
	 * @throws UwsgiProtocolException when the vars do not describe a valid HTTP request
	 */
	public static UwsgiHttpRequest from(UwsgiVars vars) {
		return new UwsgiHttpRequest(UwsgiRequest.from(vars));
	}

	/**
	 * Return the request this one adapts, as the protocol core read it.
	 * @return the request
	 */
	public UwsgiRequest uwsgiRequest() {
		return this.request;
	}

	/**
	 * Return every var of the packet as sent, including those that did not become headers.
	 * @return the vars
	 */
	public UwsgiVars vars() {
		return this.request.vars();
	}

	/**
	 * Return the scheme the client used at the proxy.
	 * @return {@code http} or {@code https}
	 * @see UwsgiRequest#scheme()
	 */
	public String scheme() {
		return this.request.scheme();
	}

	/**
	 * Return the client's address from {@code REMOTE_ADDR} and {@code REMOTE_PORT}.
	 * @return the address, or {@code null} when the proxy sent no IP address
	 */
	public InetSocketAddress remoteAddress() {
		return this.request.remoteAddress();
	}

	/**
	 * Return the prefix the application is mounted under at the proxy.
	 * @return the context path, empty when there is none
	 * @see UwsgiRequest#contextPath()
	 */
	public String contextPath() {
		return this.request.contextPath();
	}

	/**
	 * Return whether this is a WebSocket upgrade the proxy can tunnel.
	 * @return {@code true} for a WebSocket upgrade
	 * @see UwsgiRequest#isWebSocketUpgrade()
	 */
	public boolean isWebSocketUpgrade() {
		return this.request.isWebSocketUpgrade();
	}

	/**
	 * Return the length of the body that follows the vars, from {@code CONTENT_LENGTH}.
	 * @return the number of body bytes, 0 when there is no body
	 */
	public long contentLength() {
		return this.request.contentLength();
	}

}
