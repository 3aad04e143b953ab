package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.uwsgispringboot.protocol.ListenBacklog;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiRefusalLog;
import io.github.uwsgispringboot.protocol.UwsgiRequestTimeout;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.Processor;
import org.apache.coyote.UpgradeProtocol;
import org.apache.coyote.UpgradeToken;
import org.apache.coyote.http11.upgrade.InternalHttpUpgradeHandler;
import org.apache.coyote.http11.upgrade.UpgradeProcessorExternal;
import org.apache.coyote.http11.upgrade.UpgradeProcessorInternal;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * The uwsgi protocol handler, whatever the endpoint. One request per connection, as every uwsgi
 * client expects; the protocol rules are those of the Netty server.
 * <p>
 * Properties (settable as attributes of {@code <Connector>} in {@code server.xml} or with
 * {@code Connector.setProperty}), beside the endpoint's own ({@code address}, {@code port},
 * {@code unixDomainSocketPath}, {@code unixDomainSocketPathPermissions}, {@code maxConnections},
 * {@code maxThreads} ...):
 * <table>
 * <caption>uwsgi connector properties</caption>
 * <tr><th>Property</th><th>Default</th><th>When exceeded or missing</th></tr>
 * <tr><td>{@code address}</td><td>{@code 127.0.0.1}</td><td>another address needs {@code allowedClients},
 * a {@code secret} or required client certificates, or {@code allowUnprotectedNonLoopback="true"}: the
 * connector does not start</td></tr>
 * <tr><td>{@code maxVarsSize}</td><td>65535 bytes</td><td>431</td></tr>
 * <tr><td>{@code maxVars}</td><td>512</td><td>431</td></tr>
 * <tr><td>{@code maxBodySize}</td><td>100 MiB ({@code -1}: none)</td><td>413, body discarded</td></tr>
 * <tr><td>{@code headerTimeout}</td><td>10000 ms ({@code 0}: none)</td><td>closed</td></tr>
 * <tr><td>{@code bodyIdleTimeout}</td><td>60000 ms ({@code 0}: none)</td><td>closed, the application's read fails</td></tr>
 * <tr><td>{@code lingerTimeout}</td><td>5000 ms</td><td>an unread request body is discarded for at most this long
 * after the response</td></tr>
 * <tr><td>{@code useInheritedChannel}</td><td>{@code false}</td><td>Tomcat's own: serve on the listening socket on
 * standard input (systemd's {@code StandardInput=socket}) instead of binding; without one there the connector does
 * not start</td></tr>
 * </table>
 * TLS between the proxy and the connector ({@code uwsgi_pass suwsgi://...} in nginx) is Tomcat's,
 * as for its HTTP connectors: {@code SSLEnabled="true"} and a nested {@code <SSLHostConfig>} (or
 * {@link #setSSLEnabled} and {@link #addSslHostConfig}); with
 * {@code certificateVerification="required"} the proxy must present a trusted client certificate,
 * which protects a non-loopback address as {@code allowedClients} does. The TLS session is the
 * proxy's: request attributes such as {@code jakarta.servlet.request.X509Certificate} describe
 * the client's session at the proxy, from the vars, never this one.
 * <p>
 * WebSocket works as over HTTP/1.1 (the servlet upgrade, {@code HttpServletRequest.upgrade}, which
 * Jakarta WebSocket and Spring's WebSocket support use): the connector writes the {@code 101} and
 * hands the connection to Tomcat's upgrade machinery, and nginx tunnels it from then on. Only a
 * request the proxy can tunnel ({@code GET} with {@code Upgrade: websocket}, not from Apache's
 * mod_proxy_uwsgi) can be upgraded. Upgrade protocols negotiated by the connector itself (h2c)
 * are not supported.
 * <p>
 * Stopping is graceful as the Netty server's: {@code Connector.pause()} (Spring Boot's graceful
 * shutdown, or Tomcat's own stop) removes a unix socket's file first, so that the proxy fails
 * over to another upstream at once, lifts the connection limit, accepts and serves every
 * connection still in the accept queue until the queue is empty, and only then closes the
 * listener, so that no connection the proxy has opened (and maybe sent a request on) is reset. A
 * TCP listener is drained the same way and closed as soon as its queue is empty: only a connection
 * completing its handshake in the instant between the last accept and the close can still be
 * reset, since a TCP port cannot refuse new connections while it serves its queue. Concurrent
 * pauses, and {@code closeServerSocketGraceful()}, wait for the first pause to finish. Requests
 * already accepted finish; the stop that follows removes nothing that is not the connector's. The listener is bound on start
 * ({@code bindOnInit} is {@code false} by default) and a paused connector is not resumed: stop and
 * start it.
 * <p>
 * With {@code useInheritedChannel="true"} the connector serves on the socket the service manager
 * passed on standard input (see {@link StandardInputListener}), TCP or unix, and its
 * {@code address}, {@code port}, {@code unixDomainSocketPath} and permissions are not used; the
 * protection rule applies to the socket's own address. A pause then only stops accepting: the
 * connections still queued are the next process's, the socket stays open and its file in place.
 *
 * @param <S> the endpoint's socket type
 */
public abstract class AbstractUwsgiProtocol<S> extends AbstractProtocol<S> {

	/** The most often the poller is asked to look at read deadlines, in milliseconds. */
	private static final int MIN_DEADLINE_CHECK_MILLIS = 25;

	private int maxVarsSize = UwsgiConstants.MAX_VARS_SIZE;

	private int maxVars = 512;

	private long maxBodySize = 100L * 1024 * 1024;

	private long headerTimeout = 10_000;

	private long bodyIdleTimeout = 60_000;

	private long lingerTimeout = 5_000;

	private long requestTimeout;

	private final UwsgiRequestTimers requestTimers = new UwsgiRequestTimers();

	private List<UwsgiAccessPolicy.Network> allowedClients = List.of();

	private String secretVar = "PROXY_SECRET";

	private String secret;

	private boolean allowUnprotectedNonLoopback;

	private UwsgiServerListener serverListener = new UwsgiServerListener() {
	};

	private final UwsgiConnectionHandler<S> connectionHandler;

	private volatile UwsgiLimits limits;

	private volatile UwsgiAccessPolicy accessPolicy;

	/**
	 * Create a protocol handler over an endpoint, listening on the loopback address with a backlog
	 * of {@value ListenBacklog#DEFAULT} and without sendfile.
	 * @param endpoint the endpoint
	 */
	protected AbstractUwsgiProtocol(AbstractEndpoint<S, ?> endpoint) {
		super(endpoint);
		this.connectionHandler = new UwsgiConnectionHandler<>(this, getHandler());
		endpoint.setHandler(this.connectionHandler);
		endpoint.setUseSendfile(false);
		endpoint.setAddress(InetAddress.getLoopbackAddress());
		// the Netty server's backlog, not Tomcat's 100
		endpoint.setAcceptCount(ListenBacklog.DEFAULT);
		setConnectionTimeout((int) this.headerTimeout);
	}

	/**
	 * Set the largest vars block accepted, 1 to 65535 bytes; a larger one is answered 431.
	 * @param maxVarsSize the size in bytes
	 */
	public void setMaxVarsSize(int maxVarsSize) {
		this.maxVarsSize = maxVarsSize;
	}

	/**
	 * Return the largest vars block accepted.
	 * @return the size in bytes
	 */
	public int getMaxVarsSize() {
		return this.maxVarsSize;
	}

	/**
	 * Set the most vars accepted in one packet; more are answered 431.
	 * @param maxVars the number of vars
	 */
	public void setMaxVars(int maxVars) {
		this.maxVars = maxVars;
	}

	/**
	 * Return the most vars accepted in one packet.
	 * @return the number of vars
	 */
	public int getMaxVars() {
		return this.maxVars;
	}

	/**
	 * Set the largest {@code CONTENT_LENGTH} accepted; a larger one is answered 413 before any of
	 * the body is read.
	 * @param maxBodySize the size in bytes, or -1 for no limit
	 */
	public void setMaxBodySize(long maxBodySize) {
		this.maxBodySize = maxBodySize;
	}

	/**
	 * Return the largest {@code CONTENT_LENGTH} accepted.
	 * @return the size in bytes, or -1 for no limit
	 */
	public long getMaxBodySize() {
		return this.maxBodySize;
	}

	/**
	 * Set the time within which the header and the vars must have arrived in full; past it the
	 * connection is closed. It is also the connection timeout (a connection that sends nothing).
	 * @param headerTimeout the time in milliseconds, 0 for none
	 */
	public void setHeaderTimeout(long headerTimeout) {
		this.headerTimeout = headerTimeout;
		setConnectionTimeout((headerTimeout > 0) ? (int) Math.min(headerTimeout, Integer.MAX_VALUE) : -1);
	}

	/**
	 * Return the time within which the header and the vars must have arrived.
	 * @return the time in milliseconds, 0 for none
	 */
	public long getHeaderTimeout() {
		return this.headerTimeout;
	}

	/**
	 * Set the longest wait for the next bytes of a request body; past it the connection is closed
	 * and the application's read fails.
	 * @param bodyIdleTimeout the time in milliseconds, 0 for none
	 */
	public void setBodyIdleTimeout(long bodyIdleTimeout) {
		this.bodyIdleTimeout = bodyIdleTimeout;
	}

	/**
	 * Return the longest wait for the next bytes of a request body.
	 * @return the time in milliseconds, 0 for none
	 */
	public long getBodyIdleTimeout() {
		return this.bodyIdleTimeout;
	}

	/**
	 * Set how long a request may take, from its arrival to the end of its response (uWSGI's
	 * harakiri); streams (WebSocket, server-sent events, NDJSON) until their first byte. Past it
	 * the request is logged with the stack of its thread, which is interrupted, and answered 504,
	 * or if its response had started, its connection is cut. See {@link UwsgiRequestTimeout}.
	 * @param requestTimeout the time in milliseconds, 0 for none (the default)
	 */
	public void setRequestTimeout(long requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	/**
	 * Return how long a request may take.
	 * @return the time in milliseconds, 0 for none
	 */
	public long getRequestTimeout() {
		return this.requestTimeout;
	}

	/**
	 * Set how long the unread rest of a request body is read and discarded after the response,
	 * so that the proxy gets no reset before it has read the response.
	 * @param lingerTimeout the time in milliseconds
	 */
	public void setLingerTimeout(long lingerTimeout) {
		this.lingerTimeout = lingerTimeout;
	}

	/**
	 * Return how long the unread rest of a request body is discarded after the response.
	 * @return the time in milliseconds
	 */
	public long getLingerTimeout() {
		return this.lingerTimeout;
	}

	/**
	 * Set the networks whose peers may send requests; the others are answered 403. Pings are
	 * answered whoever sends them.
	 * @param allowedClients comma-separated addresses or CIDR networks ({@code 10.0.0.0/8, ::1}),
	 * empty for anyone
	 */
	public void setAllowedClients(String allowedClients) {
		List<UwsgiAccessPolicy.Network> networks = new ArrayList<>();
		for (String network : allowedClients.split(",")) {
			if (!network.isBlank()) {
				networks.add(UwsgiAccessPolicy.Network.parse(network.strip()));
			}
		}
		this.allowedClients = List.copyOf(networks);
	}

	/**
	 * Set the name of the var that carries the shared {@link #setSecret secret}.
	 * @param secretVar the var's name, {@code PROXY_SECRET} by default
	 */
	public void setSecretVar(String secretVar) {
		this.secretVar = secretVar;
	}

	/**
	 * Return the name of the var that carries the shared secret.
	 * @return the var's name
	 */
	public String getSecretVar() {
		return this.secretVar;
	}

	/**
	 * Set a shared secret that every request must carry in the {@link #setSecretVar secret var}
	 * ({@code uwsgi_param PROXY_SECRET ...;} in nginx); a request without it is answered 403, and
	 * the application never sees the var.
	 * @param secret the secret, {@code null} or empty for none
	 */
	public void setSecret(String secret) {
		this.secret = (secret != null && !secret.isEmpty()) ? secret : null;
	}

	/**
	 * Set whether the connector may listen on an address other than loopback with neither
	 * {@link #setAllowedClients allowed clients} nor a {@link #setSecret secret}. The uwsgi
	 * protocol has no authentication: anyone who can connect can send any request as any client,
	 * so by default such a connector refuses to start (as AJP does since CVE-2020-1938).
	 * @param allowUnprotectedNonLoopback {@code true} to allow it, when a firewall protects the port
	 */
	public void setAllowUnprotectedNonLoopback(boolean allowUnprotectedNonLoopback) {
		this.allowUnprotectedNonLoopback = allowUnprotectedNonLoopback;
	}

	/**
	 * Return whether the connector may listen unprotected on an address other than loopback.
	 * @return {@code true} when allowed
	 */
	public boolean getAllowUnprotectedNonLoopback() {
		return this.allowUnprotectedNonLoopback;
	}

	/**
	 * Set the listener told of connections, refusals and completed exchanges, for metrics or an
	 * access log. Called on Tomcat's worker threads: it must not block.
	 * @param serverListener the listener
	 */
	public void setServerListener(UwsgiServerListener serverListener) {
		this.serverListener = serverListener;
	}

	UwsgiServerListener serverListener() {
		return this.serverListener;
	}

	/**
	 * Return how many connections are open, from their accept to their close, as the listener
	 * counts them. Unlike Tomcat's own count, which is lost once the connector is paused, it stays
	 * exact during a graceful stop, which waits for it to reach zero.
	 * @return the number of open connections
	 */
	@Override
	public long getConnectionCount() {
		return this.connectionHandler.openConnections();
	}

	UwsgiConnectionHandler<S> connectionHandler() {
		return this.connectionHandler;
	}

	/**
	 * Log a refusal and tell the listener, as the Netty server does.
	 * @param peer the peer, as {@link UwsgiConnectionHandler#peer} describes it
	 * @param refusal what was refused and why
	 */
	void refused(String peer, UwsgiProtocolException refusal) {
		UwsgiRefusalLog.log(peer, refusal);
		this.serverListener.packetRejected(transport(), refusal.reason());
	}

	UwsgiLimits limits() {
		return this.limits;
	}

	UwsgiAccessPolicy accessPolicy() {
		return this.accessPolicy;
	}

	String transport() {
		boolean unix = getEndpoint() instanceof NioEndpoint nio && nio.getUnixDomainSocketPath() != null;
		return unix ? UwsgiExchange.UNIX : UwsgiExchange.TCP;
	}

	/**
	 * Close the listener as {@link #pause()} does, draining its accept queue first: Tomcat's own
	 * graceful close (which Spring Boot's graceful shutdown calls after {@code pause()}) would reset
	 * the connections still queued.
	 */
	@Override
	public void closeServerSocketGraceful() {
		getEndpoint().pause();
		super.closeServerSocketGraceful();
	}

	@Override
	public void start() throws Exception {
		this.limits = new UwsgiLimits(this.maxVarsSize, this.maxVars, this.maxBodySize,
				Duration.ofMillis(this.headerTimeout), Duration.ofMillis(this.bodyIdleTimeout),
				UwsgiRequestTimeout.of(Duration.ofMillis(this.requestTimeout)));
		this.accessPolicy = new UwsgiAccessPolicy(this.allowedClients, (this.secret != null) ? this.secretVar : null,
				this.secret);
		checkProtected();
		checkDeadlinesOften();
		super.start();
		this.requestTimers.start(this.limits.requestTimeout(), getUtilityExecutor());
	}

	@Override
	public void stop() throws Exception {
		this.requestTimers.stop();
		super.stop();
	}

	UwsgiRequestTimers requestTimers() {
		return this.requestTimers;
	}

	/**
	 * Have the endpoint's poller look at read deadlines often enough for the header and body
	 * timeouts to hold within an eighth of themselves (Tomcat looks once a second by default,
	 * which would let a 400 ms deadline pass a second late).
	 */
	private void checkDeadlinesOften() {
		long shortest = Long.MAX_VALUE;
		for (long timeout : new long[] { this.headerTimeout, this.bodyIdleTimeout }) {
			if (timeout > 0) {
				shortest = Math.min(shortest, timeout);
			}
		}
		int interval = (int) Math.max(MIN_DEADLINE_CHECK_MILLIS, Math.min(1000, shortest / 8));
		if (getEndpoint() instanceof NioEndpoint nio) {
			nio.setSelectorTimeout(interval);
		}
		getEndpoint().getSocketProperties().setTimeoutInterval(interval);
	}

	private void checkProtected() throws IOException {
		InetAddress address = getAddress();
		boolean tcp = transport().equals(UwsgiExchange.TCP);
		String inherited = "";
		if (getEndpoint() instanceof NioEndpoint nio && nio.getUseInheritedChannel()) {
			// the socket's own address: the configured one is not used
			StandardInputListener listener = StandardInputListener.find();
			if (listener == null) {
				return; // the bind fails, saying what standard input is
			}
			tcp = !listener.isUnix();
			address = tcp ? ((InetSocketAddress) listener.address()).getAddress() : null;
			inherited = " (the socket inherited on " + listener + ")";
		}
		boolean loopback = address != null && address.isLoopbackAddress();
		if (tcp && !loopback && !this.accessPolicy.isRestricted() && !requiresClientCertificates()
				&& !this.allowUnprotectedNonLoopback) {
			throw new IllegalArgumentException("The uwsgi connector would listen on "
					+ ((address != null) ? address.getHostAddress() : "every address") + inherited
					+ " with no protection: anyone who can connect could send any request as any client. "
					+ "Set allowedClients (the proxy's addresses) or a secret (and uwsgi_param "
					+ this.secretVar + " in the proxy), require the proxy's client certificate (SSLEnabled=\"true\" "
					+ "and certificateVerification=\"required\"), listen on 127.0.0.1 or a unix socket, "
					+ "or set allowUnprotectedNonLoopback=\"true\" if a firewall protects the port");
		}
	}

	/**
	 * Return whether every TLS peer must present a certificate the connector trusts, which
	 * protects it as well as an allowed-clients list does.
	 */
	private boolean requiresClientCertificates() {
		SSLHostConfig[] configs = findSslHostConfigs();
		if (!isSSLEnabled() || configs.length == 0) {
			return false;
		}
		for (SSLHostConfig config : configs) {
			if (config.getCertificateVerification() != SSLHostConfig.CertificateVerification.REQUIRED) {
				return false;
			}
		}
		return true;
	}

	@Override
	protected String getProtocolName() {
		return "Uwsgi";
	}

	@Override
	protected Processor createProcessor() {
		return new UwsgiProcessor(this, getAdapter());
	}

	@Override
	protected UpgradeProtocol getNegotiatedProtocol(String name) {
		return null;
	}

	@Override
	protected UpgradeProtocol getUpgradeProtocol(String name) {
		return null;
	}

	/**
	 * Hand an upgraded connection to Tomcat's upgrade machinery, as the HTTP/1.1 connector does:
	 * after the {@code 101} the proxy tunnels the connection, so the new protocol (WebSocket) speaks
	 * to the client as it would over HTTP.
	 */
	@Override
	protected Processor createUpgradeProcessor(SocketWrapperBase<?> socket, UpgradeToken upgradeToken) {
		if (upgradeToken.httpUpgradeHandler() instanceof InternalHttpUpgradeHandler) {
			return new UpgradeProcessorInternal(socket, upgradeToken, null);
		}
		return new UpgradeProcessorExternal(socket, upgradeToken, null);
	}

	/**
	 * Set whether the connector speaks TLS ({@code uwsgi_pass suwsgi://...} in nginx), with the
	 * certificates and client verification of its {@link #addSslHostConfig SSLHostConfig}s.
	 * @param sslEnabled {@code true} for TLS
	 */
	public void setSSLEnabled(boolean sslEnabled) {
		getEndpoint().setSSLEnabled(sslEnabled);
	}

	/**
	 * Return whether the connector speaks TLS.
	 * @return {@code true} for TLS
	 */
	public boolean isSSLEnabled() {
		return getEndpoint().isSSLEnabled();
	}

	/**
	 * Set the TLS implementation, as for Tomcat's HTTP connectors.
	 * @param sslImplementationName the class name, {@code null} for Tomcat's default (JSSE)
	 */
	public void setSslImplementationName(String sslImplementationName) {
		getEndpoint().setSslImplementationName(sslImplementationName);
	}

	/**
	 * Return the TLS implementation.
	 * @return the class name, {@code null} for Tomcat's default
	 */
	public String getSslImplementationName() {
		return getEndpoint().getSslImplementationName();
	}

	/**
	 * Set the name of the {@code SSLHostConfig} used when the peer sends no SNI name.
	 * @param defaultSSLHostConfigName the host name, {@code _default_} by default
	 */
	public void setDefaultSSLHostConfigName(String defaultSSLHostConfigName) {
		getEndpoint().setDefaultSSLHostConfigName(defaultSSLHostConfigName);
	}

	/**
	 * Return the name of the {@code SSLHostConfig} used when the peer sends no SNI name.
	 * @return the host name
	 */
	public String getDefaultSSLHostConfigName() {
		return getEndpoint().getDefaultSSLHostConfigName();
	}

	@Override
	public void addSslHostConfig(SSLHostConfig sslHostConfig) {
		getEndpoint().addSslHostConfig(sslHostConfig);
	}

	@Override
	public void addSslHostConfig(SSLHostConfig sslHostConfig, boolean replace) {
		getEndpoint().addSslHostConfig(sslHostConfig, replace);
	}

	@Override
	public SSLHostConfig[] findSslHostConfigs() {
		return getEndpoint().findSslHostConfigs();
	}

	/**
	 * Reload the certificates of every {@code SSLHostConfig}, as for Tomcat's HTTP connectors.
	 */
	public void reloadSslHostConfigs() {
		getEndpoint().reloadSslHostConfigs();
	}

	@Override
	public void addUpgradeProtocol(UpgradeProtocol upgradeProtocol) {
		getLog().warn("The uwsgi connector does not support upgrade protocols: "
				+ upgradeProtocol.getClass().getName() + " ignored");
	}

	@Override
	public UpgradeProtocol[] findUpgradeProtocols() {
		return new UpgradeProtocol[0];
	}

}
