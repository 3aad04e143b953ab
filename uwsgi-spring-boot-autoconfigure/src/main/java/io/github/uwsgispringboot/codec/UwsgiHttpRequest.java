package io.github.uwsgispringboot.codec;

import java.net.InetSocketAddress;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;

/**
 * An HTTP request read from a uwsgi packet: a Netty {@code HttpRequest} whose headers come from the
 * {@code HTTP_*} vars, plus what the proxy told about the client (address, scheme), the mount
 * prefix ({@code SCRIPT_NAME}) and every var as sent.
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

	/** {@link #remoteAddress} before it is read from the vars. */
	private static final Object UNREAD = new Object();

	/** {@link #remoteAddress} when the vars hold no IP address. */
	private static final Object NONE = new Object();

	private final UwsgiVars vars;

	private final String scheme;

	private final String contextPath;

	private final long contentLength;

	private final int remoteAddr;

	private final int remotePort;

	/** The client's {@code InetSocketAddress}, {@link #UNREAD} or {@link #NONE}. */
	private Object remoteAddress;

	UwsgiHttpRequest(HttpMethod method, String uri, HttpHeaders headers, UwsgiVars vars, String scheme,
			String contextPath, long contentLength, int remoteAddr, int remotePort) {
		this(method, uri, headers, vars, scheme, contextPath, contentLength, remoteAddr, remotePort, UNREAD);
	}

	private UwsgiHttpRequest(HttpMethod method, String uri, HttpHeaders headers, UwsgiVars vars, String scheme,
			String contextPath, long contentLength, int remoteAddr, int remotePort, Object remoteAddress) {
		super(HttpVersion.HTTP_1_1, method, uri, headers);
		this.vars = vars;
		this.scheme = scheme;
		this.contextPath = contextPath;
		this.contentLength = contentLength;
		this.remoteAddr = remoteAddr;
		this.remotePort = remotePort;
		this.remoteAddress = remoteAddress;
	}

	/**
	 * Read a request from the vars of a packet.
	 * @param vars the vars of the packet
	 * @return the request
	 * @throws UwsgiDecoderException when the vars do not describe a valid HTTP request
	 */
	public static UwsgiHttpRequest from(UwsgiVars vars) {
		return UwsgiRequestMapper.map(vars);
	}

	/**
	 * Return this request without the var {@code name}, for a var that the proxy sends to this
	 * server but the application must not see (a shared secret). The var never became a header.
	 * @param name the var name
	 * @return a request with the same headers, body length and client facts
	 */
	public UwsgiHttpRequest withoutVar(String name) {
		InetSocketAddress remoteAddress = remoteAddress();
		return new UwsgiHttpRequest(method(), uri(), headers(), this.vars.without(name), this.scheme,
				this.contextPath, this.contentLength, -1, -1, (remoteAddress != null) ? remoteAddress : NONE);
	}

	/**
	 * Return every var of the packet as sent, including those that did not become headers.
	 * @return the vars
	 */
	public UwsgiVars vars() {
		return this.vars;
	}

	/**
	 * Return the scheme the client used at the proxy: {@code https} when {@code HTTPS} is
	 * {@code on} or {@code 1} or {@code REQUEST_SCHEME} is {@code https}, else {@code http}.
	 * @return {@code http} or {@code https}
	 */
	public String scheme() {
		return this.scheme;
	}

	/**
	 * Return the client's address from {@code REMOTE_ADDR} and {@code REMOTE_PORT}.
	 * @return the address, or {@code null} when the proxy sent no IP address
	 */
	public InetSocketAddress remoteAddress() {
		Object remoteAddress = this.remoteAddress;
		if (remoteAddress == UNREAD) {
			// read when asked for: most requests never need it as an InetSocketAddress
			InetSocketAddress address = UwsgiRequestMapper.remoteAddress(value(this.remoteAddr), value(this.remotePort));
			remoteAddress = (address != null) ? address : NONE;
			this.remoteAddress = remoteAddress;
		}
		return (remoteAddress != NONE) ? (InetSocketAddress) remoteAddress : null;
	}

	private String value(int index) {
		return (index >= 0) ? this.vars.value(index) : null;
	}

	/**
	 * Return the prefix the application is mounted under at the proxy, from {@code SCRIPT_NAME},
	 * without a trailing slash. The request URI always starts with it.
	 * @return the context path, empty when there is none
	 */
	public String contextPath() {
		return this.contextPath;
	}

	/**
	 * Return whether this is a WebSocket upgrade ({@code GET} with {@code Upgrade: websocket}),
	 * the one case where the {@code Upgrade} and {@code Connection} headers reach the application.
	 * @return {@code true} for a WebSocket upgrade
	 */
	public boolean isWebSocketUpgrade() {
		return "websocket".equalsIgnoreCase(headers().get("Upgrade"));
	}

	/**
	 * Return the length of the body that follows the vars, from {@code CONTENT_LENGTH}.
	 * @return the number of body bytes, 0 when there is no body
	 */
	public long contentLength() {
		return this.contentLength;
	}

}
