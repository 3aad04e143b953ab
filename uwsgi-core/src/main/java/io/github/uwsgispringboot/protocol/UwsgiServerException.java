package io.github.uwsgispringboot.protocol;

import java.net.InetSocketAddress;

/**
 * The uwsgi server could not start: its port is in use, its unix socket is held by another
 * process, or binding failed otherwise. The message says which and what to do.
 */
public class UwsgiServerException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception.
	 * @param message what failed, for the user
	 * @param cause the underlying failure, or {@code null}
	 */
	public UwsgiServerException(String message, Throwable cause) {
		super(message, cause);
	}

	/**
	 * Return the refusal of an inherited TCP socket bound beyond loopback with nothing to protect
	 * it, the same on both servers: a bare {@code ListenStream=3031} listens on every interface.
	 * @param socket how the start-up line names the socket
	 * @param address the address it is bound to
	 * @return the exception
	 */
	public static UwsgiServerException unprotectedInheritedSocket(String socket, InetSocketAddress address) {
		return new UwsgiServerException("uwsgi server refuses to serve unprotected on " + socket + ", bound to "
				+ address.getAddress().getHostAddress() + ":" + address.getPort() + ": anyone who can reach it could "
				+ "send requests as any client. Bind the socket to loopback (ListenStream=127.0.0.1:PORT), set "
				+ "uwsgi.allowed-clients, uwsgi.shared-secret.value or uwsgi.ssl.client-auth=need, or accept the risk "
				+ "with uwsgi.allow-unprotected=true.", null);
	}

}
