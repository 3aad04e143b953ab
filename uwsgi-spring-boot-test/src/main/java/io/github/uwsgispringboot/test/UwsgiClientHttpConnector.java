package io.github.uwsgispringboot.test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.netty.channel.ChannelOption;
import io.netty.channel.unix.DomainSocketAddress;
import reactor.core.publisher.Mono;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpRequestDecorator;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;

/**
 * A {@link ClientHttpConnector} that talks to a uwsgi listener directly, over TCP or a unix
 * socket, the way nginx does with {@code include uwsgi_params; uwsgi_pass ...;}: {@code WebClient}
 * and {@code WebTestClient} can exercise the uwsgi path of an application with no proxy.
 * <pre class="code">
 * WebTestClient client = WebTestClient.bindToServer(UwsgiClientHttpConnector.tcp(port)).build();
 * client.get().uri("/hello").exchange().expectStatus().isOk();
 * </pre>
 * <p>
 * Each request is one uwsgi packet on a new connection. Its vars are those of nginx's stock
 * {@code uwsgi_params} ({@code REQUEST_METHOD}, {@code REQUEST_URI} raw, {@code PATH_INFO} decoded,
 * {@code QUERY_STRING}, {@code SERVER_PROTOCOL}, {@code SERVER_NAME} and {@code SERVER_PORT} from the
 * request URI, {@code REMOTE_ADDR} {@code 127.0.0.1}, {@code REMOTE_PORT}, {@code REQUEST_SCHEME},
 * {@code HTTPS=on} for https, {@code CONTENT_TYPE}, {@code CONTENT_LENGTH}) and one {@code HTTP_*}
 * var per request header value; {@link #var(String, String)} replaces or adds vars, as
 * {@code uwsgi_param} does. A request URI with the {@code https} scheme is sent as https.
 * <p>
 * uwsgi has no chunking: the body length goes in the vars, before the body. The connector therefore
 * <strong>buffers each request body in memory</strong> and sends it with its length; it is meant for
 * tests. The response (plain HTTP/1.1, delimited by {@code Content-Length} or by the server closing
 * the connection) is streamed. A response nginx could not pass on (chunked, or an interim
 * {@code 1xx}) fails the exchange.
 * <p>
 * Instances are immutable: each configuration method returns a new connector.
 */
public final class UwsgiClientHttpConnector implements ClientHttpConnector {

	/** How long to wait for the connection to the uwsgi listener, unless set otherwise. */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

	/** Longest wait for each part of the response once the request is sent, unless set otherwise. */
	public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);

	private final SocketAddress address;

	private final boolean https;

	private final InetSocketAddress remoteAddress;

	private final Map<String, String> vars;

	private final Duration connectTimeout;

	private final Duration responseTimeout;

	private final HttpClient httpClient;

	private UwsgiClientHttpConnector(SocketAddress address, boolean https, InetSocketAddress remoteAddress,
			Map<String, String> vars, Duration connectTimeout, Duration responseTimeout) {
		this.address = address;
		this.https = https;
		this.remoteAddress = remoteAddress;
		this.vars = vars;
		this.connectTimeout = connectTimeout;
		this.responseTimeout = responseTimeout;
		this.httpClient = HttpClient.newConnection()
			.remoteAddress(() -> address)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(connectTimeout.toMillis(), Integer.MAX_VALUE))
			.responseTimeout(responseTimeout);
	}

	/**
	 * Return a connector to a uwsgi listener on the loopback address, where the server listens by
	 * default; with {@code uwsgi.port=0}, inject the bound port with {@link LocalUwsgiPort}.
	 * @param port the TCP port of the listener
	 * @return a new connector
	 */
	public static UwsgiClientHttpConnector tcp(int port) {
		return of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
	}

	/**
	 * Return a connector to a uwsgi listener on a TCP port.
	 * @param host the host name or address of the listener
	 * @param port the TCP port of the listener
	 * @return a new connector
	 */
	public static UwsgiClientHttpConnector tcp(String host, int port) {
		return of(InetSocketAddress.createUnresolved(host, port));
	}

	/**
	 * Return a connector to a uwsgi listener on a unix socket ({@code uwsgi.unix-socket.path}).
	 * Needs Netty's native transport (epoll on Linux), which Reactor Netty brings on x86_64.
	 * @param path the socket file
	 * @return a new connector
	 */
	public static UwsgiClientHttpConnector unixSocket(Path path) {
		return of(new DomainSocketAddress(path.toString()));
	}

	private static UwsgiClientHttpConnector of(SocketAddress address) {
		return new UwsgiClientHttpConnector(address, false, null, Collections.emptyMap(), DEFAULT_CONNECT_TIMEOUT,
				DEFAULT_RESPONSE_TIMEOUT);
	}

	/**
	 * Return a connector that also sends the var {@code name}, like {@code uwsgi_param} after
	 * {@code include uwsgi_params}: it replaces every var of that name the connector would send
	 * ({@code REMOTE_ADDR}, {@code HTTP_HOST} ...) or is added after them ({@code SCRIPT_NAME}).
	 * @param name the var name, for example {@code SCRIPT_NAME}
	 * @param value the value, possibly empty
	 * @return a new connector
	 */
	public UwsgiClientHttpConnector var(String name, String value) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(value, "value");
		if (name.isEmpty()) {
			throw new IllegalArgumentException("A uwsgi var name must not be empty");
		}
		Map<String, String> vars = new LinkedHashMap<>(this.vars);
		vars.remove(name);
		vars.put(name, value);
		return new UwsgiClientHttpConnector(this.address, this.https, this.remoteAddress,
				Collections.unmodifiableMap(vars), this.connectTimeout, this.responseTimeout);
	}

	/**
	 * Return a connector that says every request was made over https ({@code HTTPS=on},
	 * {@code REQUEST_SCHEME=https}), as nginx does behind {@code listen 443 ssl}. Requests to an
	 * {@code https://} URI are sent that way anyway; the connection itself is never TLS.
	 * @param https whether the client used https at the proxy
	 * @return a new connector
	 */
	public UwsgiClientHttpConnector https(boolean https) {
		return new UwsgiClientHttpConnector(this.address, https, this.remoteAddress, this.vars, this.connectTimeout,
				this.responseTimeout);
	}

	/**
	 * Return a connector that sends {@code remoteAddress} as the client's address
	 * ({@code REMOTE_ADDR}, {@code REMOTE_PORT}) instead of {@code 127.0.0.1} and the local port of
	 * the connection.
	 * @param remoteAddress the client's address, an IP address and a port
	 * @return a new connector
	 */
	public UwsgiClientHttpConnector remoteAddress(InetSocketAddress remoteAddress) {
		Objects.requireNonNull(remoteAddress, "remoteAddress");
		return new UwsgiClientHttpConnector(this.address, this.https, remoteAddress, this.vars, this.connectTimeout,
				this.responseTimeout);
	}

	/**
	 * Return a connector that waits at most {@code connectTimeout} for the connection.
	 * @param connectTimeout the connect timeout, {@link #DEFAULT_CONNECT_TIMEOUT} by default
	 * @return a new connector
	 */
	public UwsgiClientHttpConnector connectTimeout(Duration connectTimeout) {
		return new UwsgiClientHttpConnector(this.address, this.https, this.remoteAddress, this.vars,
				positive(connectTimeout, "connectTimeout"), this.responseTimeout);
	}

	/**
	 * Return a connector that fails an exchange when no part of the response arrives within
	 * {@code responseTimeout} (the wait restarts with every read, so a slow stream can last longer).
	 * @param responseTimeout the response timeout, {@link #DEFAULT_RESPONSE_TIMEOUT} by default
	 * @return a new connector
	 */
	public UwsgiClientHttpConnector responseTimeout(Duration responseTimeout) {
		return new UwsgiClientHttpConnector(this.address, this.https, this.remoteAddress, this.vars,
				this.connectTimeout, positive(responseTimeout, "responseTimeout"));
	}

	@Override
	public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
			Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
		URI target = URI.create(uri.toASCIIString());
		boolean https = this.https || "https".equalsIgnoreCase(target.getScheme());
		String host = (target.getHost() != null) ? target.getHost() : "localhost";
		int port = (target.getPort() != -1) ? target.getPort() : (https ? 443 : 80);
		NginxUwsgiParams params = new NginxUwsgiParams(https, host, port, this.remoteAddress, this.vars);
		HttpClient httpClient = this.httpClient.doOnChannelInit((observer, channel, remoteAddress) -> channel
			.pipeline()
			.replace(NettyPipeline.HttpCodec, NettyPipeline.HttpCodec, new UwsgiClientCodec(params)));
		String hostHeader = (target.getPort() != -1) ? host + ":" + target.getPort() : host;
		// a relative URI: Reactor Netty connects to the remote address, not to the URI's host
		return new ReactorClientHttpConnector(httpClient).connect(method, pathAndQuery(target),
				(request) -> requestCallback.apply(new TargetRequest(request, uri, hostHeader)));
	}

	private static URI pathAndQuery(URI uri) {
		String path = (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) ? uri.getRawPath() : "/";
		return URI.create((uri.getRawQuery() != null) ? path + "?" + uri.getRawQuery() : path);
	}

	private static Duration positive(Duration timeout, String name) {
		Objects.requireNonNull(timeout, name);
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException(name + " must be positive: " + timeout);
		}
		return timeout;
	}

	@Override
	public String toString() {
		return "UwsgiClientHttpConnector to " + this.address;
	}

	/**
	 * The request as the application made it: its URI, and a {@code Host} header from that URI
	 * unless the application set one.
	 */
	private static final class TargetRequest extends ClientHttpRequestDecorator {

		private final URI uri;

		TargetRequest(ClientHttpRequest delegate, URI uri, String host) {
			super(delegate);
			this.uri = uri;
			delegate.beforeCommit(() -> Mono.fromRunnable(() -> {
				if (!delegate.getHeaders().containsHeader(HttpHeaders.HOST)) {
					delegate.getHeaders().set(HttpHeaders.HOST, host);
				}
			}));
		}

		@Override
		public URI getURI() {
			return this.uri;
		}

	}

}
