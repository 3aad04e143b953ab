package io.github.uwsgispringboot.autoconfigure;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import io.github.uwsgispringboot.server.UwsgiAccessLog;

/**
 * Configuration of the uwsgi listener.
 */
@ConfigurationProperties("uwsgi")
public class UwsgiProperties {

	/**
	 * Whether to serve the application over the uwsgi protocol.
	 */
	private boolean enabled = true;

	/**
	 * Network address the TCP listener binds to. Loopback by default: a uwsgi socket must only be
	 * reachable by the proxy in front of it.
	 */
	private InetAddress address = InetAddress.getLoopbackAddress();

	/**
	 * TCP port of the uwsgi listener. 0 binds any free port (see local.uwsgi.port); -1 disables the
	 * TCP listener, for a unix socket only.
	 */
	private int port = 3031;

	/**
	 * Largest vars block (request line, headers and CGI variables) accepted, up to the protocol's
	 * maximum of 65535 bytes. Larger packets are answered 431.
	 */
	private DataSize maxVarsSize = DataSize.ofBytes(65535);

	/**
	 * Most vars (CGI variables and headers) accepted in one request. More are answered 431.
	 */
	private int maxVars = 512;

	/**
	 * Largest request body accepted, from CONTENT_LENGTH; -1 for no limit. A larger request is
	 * answered 413 before any of its body is read.
	 */
	private DataSize maxBodySize = DataSize.ofMegabytes(100);

	/**
	 * Time from a connection's start within which the packet header and vars must have arrived
	 * in full: a total deadline, so that a peer sending a byte a second cannot hold a connection.
	 * 0 for none. Past it the connection is closed.
	 */
	private Duration headerTimeout = Duration.ofSeconds(10);

	/**
	 * Most connections served at once; -1 for no limit. Beyond it new connections wait in the
	 * kernel's accept queue (refused once that is full), so that memory stays bounded.
	 */
	private int maxConnections = 10000;

	/**
	 * Listen backlog of the uwsgi listeners, TCP and unix socket: how many connections the kernel
	 * queues for the server to accept. Capped by the kernel's net.core.somaxconn (logged). On Tomcat
	 * it wins over server.tomcat.accept-count, which applies when this is not set.
	 */
	private int backlog = 1024;

	/**
	 * Longest pause in a request body while the application waits for more of it. 0 for none.
	 * Past it the connection is closed.
	 */
	private Duration bodyIdleTimeout = Duration.ofSeconds(60);

	/**
	 * How long a request may take, from its arrival to the end of its response (uWSGI's
	 * harakiri). 0 for no limit, the default. Past it the request is cancelled and logged to
	 * 'uwsgi.timeout' with the stack of its thread: answered 504 if none of the response was sent,
	 * else its connection is cut as a failed response's is. Streams (WebSocket, server-sent events,
	 * NDJSON) are timed until their first byte only.
	 */
	private Duration requestTimeout = Duration.ZERO;

	/**
	 * How long unread request body is read and discarded after the response has been sent, before
	 * the connection is closed. Closing with unread input would reset the connection and make the
	 * proxy answer 502.
	 */
	private Duration lingerTimeout = Duration.ofSeconds(5);

	/**
	 * Client networks TCP peers must belong to, in CIDR notation ("10.0.0.0/8", "192.0.2.7",
	 * "fd00::/8"). Empty for any peer that can connect. A uwsgi ping is answered whatever the peer.
	 */
	private List<String> allowedClients = new ArrayList<>();

	/**
	 * Whether a TCP listener may bind to an address other than loopback with no allowed-clients,
	 * no shared secret and no required client certificate. Off by default: such a listener lets
	 * anyone who can reach it claim any client address and scheme.
	 */
	private boolean allowUnprotected;

	/**
	 * Whether to serve on listening sockets passed in by the service manager (systemd socket
	 * activation: LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES) instead of binding: 'when-present' uses
	 * them when there are any, 'require' fails start-up without them, 'ignore' always binds. On
	 * inherited sockets the address, port, unix socket path and permissions are not used, and the
	 * socket file is left in place on stop. When several are passed, those named 'uwsgi'
	 * (FileDescriptorName=uwsgi) are served. The Tomcat connector (Spring MVC) serves the one
	 * listening socket on standard input instead (StandardInput=socket): the JDK adopts no other,
	 * and sockets passed from descriptor 3 on fail its start-up unless ignored.
	 */
	private InheritedSockets inheritedSockets = InheritedSockets.WHEN_PRESENT;

	private final UnixSocket unixSocket = new UnixSocket();

	private final SharedSecret sharedSecret = new SharedSecret();

	private final AccessLog accessLog = new AccessLog();

	private final Ssl ssl = new Ssl();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public InetAddress getAddress() {
		return this.address;
	}

	public void setAddress(InetAddress address) {
		this.address = address;
	}

	public int getPort() {
		return this.port;
	}

	public void setPort(int port) {
		this.port = port;
	}

	public DataSize getMaxVarsSize() {
		return this.maxVarsSize;
	}

	public void setMaxVarsSize(DataSize maxVarsSize) {
		this.maxVarsSize = maxVarsSize;
	}

	public int getMaxVars() {
		return this.maxVars;
	}

	public void setMaxVars(int maxVars) {
		this.maxVars = maxVars;
	}

	public DataSize getMaxBodySize() {
		return this.maxBodySize;
	}

	public void setMaxBodySize(DataSize maxBodySize) {
		this.maxBodySize = maxBodySize;
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(int maxConnections) {
		this.maxConnections = maxConnections;
	}

	public int getBacklog() {
		return this.backlog;
	}

	public void setBacklog(int backlog) {
		this.backlog = backlog;
	}

	public Duration getHeaderTimeout() {
		return this.headerTimeout;
	}

	public void setHeaderTimeout(Duration headerTimeout) {
		this.headerTimeout = headerTimeout;
	}

	public Duration getRequestTimeout() {
		return this.requestTimeout;
	}

	public void setRequestTimeout(Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	public Duration getBodyIdleTimeout() {
		return this.bodyIdleTimeout;
	}

	public void setBodyIdleTimeout(Duration bodyIdleTimeout) {
		this.bodyIdleTimeout = bodyIdleTimeout;
	}

	public Duration getLingerTimeout() {
		return this.lingerTimeout;
	}

	public void setLingerTimeout(Duration lingerTimeout) {
		this.lingerTimeout = lingerTimeout;
	}

	public UnixSocket getUnixSocket() {
		return this.unixSocket;
	}

	public List<String> getAllowedClients() {
		return this.allowedClients;
	}

	public void setAllowedClients(List<String> allowedClients) {
		this.allowedClients = allowedClients;
	}

	public boolean isAllowUnprotected() {
		return this.allowUnprotected;
	}

	public void setAllowUnprotected(boolean allowUnprotected) {
		this.allowUnprotected = allowUnprotected;
	}

	public SharedSecret getSharedSecret() {
		return this.sharedSecret;
	}

	/**
	 * A secret the proxy sends with every request in a var (nginx: uwsgi_param NAME value;),
	 * compared in constant time and removed before the application sees the request.
	 */
	public static class SharedSecret {

		/**
		 * Secret value. Requests without it are answered 403. Unset for no secret.
		 */
		private String value;

		/**
		 * Name of the var that carries the secret. Not an HTTP_* name: it must not be a header.
		 */
		private String var = "PROXY_SECRET";

		public String getValue() {
			return this.value;
		}

		public void setValue(String value) {
			this.value = value;
		}

		public String getVar() {
			return this.var;
		}

		public void setVar(String var) {
			this.var = var;
		}

	}

	public InheritedSockets getInheritedSockets() {
		return this.inheritedSockets;
	}

	public void setInheritedSockets(InheritedSockets inheritedSockets) {
		this.inheritedSockets = inheritedSockets;
	}

	public AccessLog getAccessLog() {
		return this.accessLog;
	}

	public Ssl getSsl() {
		return this.ssl;
	}

	/**
	 * uwsgi over TLS ("suwsgi", nginx uwsgi_pass suwsgi://): the listeners speak TLS from the
	 * first byte.
	 */
	public static class Ssl {

		/**
		 * Name of the SSL bundle (spring.ssl.bundle.*) with the listener's key and certificate,
		 * and the trust material for client certificates. Setting it turns TLS on.
		 */
		private String bundle;

		/**
		 * Whether the proxy must present a client certificate trusted by the bundle: 'none',
		 * 'want' (asked for, not required) or 'need' (connections without one are refused).
		 */
		private ClientAuth clientAuth = ClientAuth.NONE;

		public String getBundle() {
			return this.bundle;
		}

		public void setBundle(String bundle) {
			this.bundle = bundle;
		}

		public ClientAuth getClientAuth() {
			return this.clientAuth;
		}

		public void setClientAuth(ClientAuth clientAuth) {
			this.clientAuth = clientAuth;
		}

	}

	/**
	 * Whether the uwsgi listener asks the proxy for a client certificate.
	 */
	public enum ClientAuth {

		/** No client certificate asked for. */
		NONE,

		/** A client certificate asked for; connections without one are accepted. */
		WANT,

		/** A trusted client certificate required; connections without one are refused. */
		NEED

	}

	/**
	 * Whether the uwsgi listeners serve on sockets passed in by the service manager.
	 */
	public enum InheritedSockets {

		/** Serve on the inherited sockets when there are any, else bind as configured. */
		WHEN_PRESENT,

		/** Serve on the inherited sockets; fail start-up when none was passed. */
		REQUIRE,

		/** Always bind as configured, whatever was passed. */
		IGNORE

	}

	/**
	 * The access log of uwsgi requests.
	 */
	public static class AccessLog {

		/**
		 * Whether to log one line per uwsgi request (client address from REMOTE_ADDR) to the
		 * logger 'uwsgi.access', at INFO.
		 */
		private boolean enabled;

		/**
		 * Format of the lines: 'combined' (the combined log format plus the duration), 'json'
		 * (one JSON object per line as the message, Elastic Common Schema field names) or
		 * 'structured' (the same fields as key-value pairs of the log event, for Spring Boot's
		 * structured logging, logging.structured.format.*, with the combined line as the message).
		 */
		private UwsgiAccessLog.Format format = UwsgiAccessLog.Format.COMBINED;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public UwsgiAccessLog.Format getFormat() {
			return this.format;
		}

		public void setFormat(UwsgiAccessLog.Format format) {
			this.format = format;
		}

	}

	/**
	 * A unix socket listener, alone or beside the TCP one.
	 */
	public static class UnixSocket {

		/**
		 * Path of a unix socket to listen on. A stale socket file left by a crashed run is
		 * replaced; the file is removed on shutdown.
		 */
		private Path path;

		/**
		 * File mode of the unix socket, octal ("660") or symbolic ("rw-rw----"). The proxy's
		 * user (www-data for Debian's nginx and Apache) needs write permission.
		 */
		private String permissions;

		public Path getPath() {
			return this.path;
		}

		public void setPath(Path path) {
			this.path = path;
		}

		public String getPermissions() {
			return this.permissions;
		}

		public void setPermissions(String permissions) {
			this.permissions = permissions;
		}

	}

}
