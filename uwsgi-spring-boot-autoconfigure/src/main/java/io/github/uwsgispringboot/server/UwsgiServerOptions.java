package io.github.uwsgispringboot.server;

import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.netty.handler.ssl.SslContext;

import io.github.uwsgispringboot.protocol.ListenBacklog;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;

/**
 * Where and how a {@link UwsgiServer} listens.
 *
 * @param address the address of the TCP listener
 * @param port the TCP port: 0 for any free port, -1 for no TCP listener
 * @param unixSocketPath the path of a unix socket to listen on, or {@code null} for none
 * @param unixSocketPermissions the file mode to give the unix socket, or {@code null} to keep the
 * one the umask gives
 * @param limits the limits and deadlines every connection is held to
 * @param lingerTimeout how long unread request body is discarded after the response before the
 * connection is closed
 * @param sslContext the TLS context when the listeners speak uwsgi over TLS (nginx
 * {@code uwsgi_pass suwsgi://}) from the first byte, or {@code null} for plain uwsgi
 * @param accessPolicy who may send requests
 * @param maxConnections the most connections served at once, -1 for no limit; beyond it new
 * connections wait in the kernel's accept queue (or are refused when it is full)
 * @param inheritedSockets listening sockets passed in by the service manager (systemd socket
 * activation) to serve on instead of binding: address, port, unix socket path and permissions are
 * then not used; empty to bind
 * @param unprotectedNetworkListenerAllowed whether an inherited TCP socket bound to an address
 * other than loopback may be served without protection; {@code false} when neither allowed clients,
 * a shared secret nor required client certificates protect it and the risk was not accepted: such a
 * socket then fails start-up, as a configured address would
 * @param backlog the listen backlog of the listeners the server binds (TCP and unix socket), capped
 * by the kernel's {@code net.core.somaxconn}; an inherited socket keeps the one its service manager
 * gave it
 */
public record UwsgiServerOptions(InetAddress address, int port, Path unixSocketPath,
		Set<PosixFilePermission> unixSocketPermissions, UwsgiLimits limits, Duration lingerTimeout,
		SslContext sslContext, UwsgiAccessPolicy accessPolicy, int maxConnections,
		List<PassedSocket> inheritedSockets, boolean unprotectedNetworkListenerAllowed, int backlog) {

	/**
	 * Create options with the default listen backlog, {@value ListenBacklog#DEFAULT}.
	 * @param address the address of the TCP listener
	 * @param port the TCP port: 0 for any free port, -1 for no TCP listener
	 * @param unixSocketPath the path of a unix socket to listen on, or {@code null} for none
	 * @param unixSocketPermissions the file mode to give the unix socket, or {@code null}
	 * @param limits the limits and deadlines every connection is held to
	 * @param lingerTimeout how long unread request body is discarded after the response
	 * @param sslContext the TLS context, or {@code null} for plain uwsgi
	 * @param accessPolicy who may send requests
	 * @param maxConnections the most connections served at once, -1 for no limit
	 * @param inheritedSockets the sockets passed in to serve on instead of binding, empty for none
	 * @param unprotectedNetworkListenerAllowed whether an inherited TCP socket bound beyond loopback
	 * may be served without protection
	 */
	public UwsgiServerOptions(InetAddress address, int port, Path unixSocketPath,
			Set<PosixFilePermission> unixSocketPermissions, UwsgiLimits limits, Duration lingerTimeout,
			SslContext sslContext, UwsgiAccessPolicy accessPolicy, int maxConnections,
			List<PassedSocket> inheritedSockets, boolean unprotectedNetworkListenerAllowed) {
		this(address, port, unixSocketPath, unixSocketPermissions, limits, lingerTimeout, sslContext, accessPolicy,
				maxConnections, inheritedSockets, unprotectedNetworkListenerAllowed, ListenBacklog.DEFAULT);
	}

	/**
	 * Create options for a server that serves on sockets passed in when there are some, and trusts
	 * whatever address they are bound to.
	 * @param address the address of the TCP listener
	 * @param port the TCP port: 0 for any free port, -1 for no TCP listener
	 * @param unixSocketPath the path of a unix socket to listen on, or {@code null} for none
	 * @param unixSocketPermissions the file mode to give the unix socket, or {@code null}
	 * @param limits the limits and deadlines every connection is held to
	 * @param lingerTimeout how long unread request body is discarded after the response
	 * @param sslContext the TLS context, or {@code null} for plain uwsgi
	 * @param accessPolicy who may send requests
	 * @param maxConnections the most connections served at once, -1 for no limit
	 * @param inheritedSockets the sockets passed in to serve on instead of binding, empty for none
	 */
	public UwsgiServerOptions(InetAddress address, int port, Path unixSocketPath,
			Set<PosixFilePermission> unixSocketPermissions, UwsgiLimits limits, Duration lingerTimeout,
			SslContext sslContext, UwsgiAccessPolicy accessPolicy, int maxConnections,
			List<PassedSocket> inheritedSockets) {
		this(address, port, unixSocketPath, unixSocketPermissions, limits, lingerTimeout, sslContext, accessPolicy,
				maxConnections, inheritedSockets, true);
	}

	/**
	 * Create options for listeners the server binds itself.
	 * @param address the address of the TCP listener
	 * @param port the TCP port: 0 for any free port, -1 for no TCP listener
	 * @param unixSocketPath the path of a unix socket to listen on, or {@code null} for none
	 * @param unixSocketPermissions the file mode to give the unix socket, or {@code null}
	 * @param limits the limits and deadlines every connection is held to
	 * @param lingerTimeout how long unread request body is discarded after the response
	 * @param sslContext the TLS context, or {@code null} for plain uwsgi
	 * @param accessPolicy who may send requests
	 * @param maxConnections the most connections served at once, -1 for no limit
	 */
	public UwsgiServerOptions(InetAddress address, int port, Path unixSocketPath,
			Set<PosixFilePermission> unixSocketPermissions, UwsgiLimits limits, Duration lingerTimeout,
			SslContext sslContext, UwsgiAccessPolicy accessPolicy, int maxConnections) {
		this(address, port, unixSocketPath, unixSocketPermissions, limits, lingerTimeout, sslContext, accessPolicy,
				maxConnections, List.of());
	}

	/**
	 * Create options for plain uwsgi, without TLS, limiting only the size of the vars block.
	 * @param address the address of the TCP listener
	 * @param port the TCP port: 0 for any free port, -1 for no TCP listener
	 * @param unixSocketPath the path of a unix socket to listen on, or {@code null} for none
	 * @param unixSocketPermissions the file mode to give the unix socket, or {@code null}
	 * @param maxVarsSize the largest vars block accepted, in bytes
	 * @param lingerTimeout how long unread request body is discarded after the response
	 */
	public UwsgiServerOptions(InetAddress address, int port, Path unixSocketPath,
			Set<PosixFilePermission> unixSocketPermissions, int maxVarsSize, Duration lingerTimeout) {
		this(address, port, unixSocketPath, unixSocketPermissions, UwsgiLimits.NONE.withMaxVarsSize(maxVarsSize),
				lingerTimeout, null, UwsgiAccessPolicy.OPEN, -1);
	}

	/**
	 * Check the options.
	 */
	public UwsgiServerOptions {
		if (port < -1 || port > 0xFFFF) {
			throw new IllegalArgumentException("port must be between -1 and 65535: " + port);
		}
		inheritedSockets = (inheritedSockets != null) ? List.copyOf(inheritedSockets) : List.of();
		if (port == -1 && unixSocketPath == null && inheritedSockets.isEmpty()) {
			throw new IllegalArgumentException("Neither a TCP port nor a unix socket to listen on");
		}
		if (accessPolicy == null) {
			accessPolicy = UwsgiAccessPolicy.OPEN;
		}
		if (maxConnections < -1 || maxConnections == 0) {
			throw new IllegalArgumentException("maxConnections must be positive or -1 (no limit): " + maxConnections);
		}
		if (backlog < 1) {
			throw new IllegalArgumentException("backlog must be positive: " + backlog);
		}
		if (lingerTimeout.isNegative()) {
			throw new IllegalArgumentException("lingerTimeout must not be negative: " + lingerTimeout);
		}
	}

}
