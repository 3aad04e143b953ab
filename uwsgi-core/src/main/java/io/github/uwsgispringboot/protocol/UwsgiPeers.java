package io.github.uwsgispringboot.protocol;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Names the peer of a uwsgi connection in log lines, the same way on both servers.
 */
public final class UwsgiPeers {

	private UwsgiPeers() {
	}

	/**
	 * Describe the peer of a connection: the client address on TCP, the socket path on a unix
	 * socket (whose peers are unnamed).
	 * @param remote the connection's remote address
	 * @param local the connection's local address
	 * @return {@code address:port}, or {@code unix socket <path>}
	 */
	public static String describe(SocketAddress remote, SocketAddress local) {
		if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
			return inet.getAddress().getHostAddress() + ":" + inet.getPort();
		}
		return "unix socket " + local;
	}

}
