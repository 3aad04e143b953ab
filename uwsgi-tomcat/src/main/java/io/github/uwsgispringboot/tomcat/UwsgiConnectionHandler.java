package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.uwsgispringboot.protocol.UwsgiPeers;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tomcat's connection handler with the uwsgi server's view of connections: every connection is
 * counted from its accept to its close, whether it sends a request, is refused or sends nothing,
 * and one that sends nothing within the header timeout is refused as the Netty server refuses it.
 * Everything else is the wrapped {@code AbstractProtocol} handler's.
 *
 * @param <S> the endpoint's socket type
 */
final class UwsgiConnectionHandler<S> implements Handler<S> {

	private final AbstractUwsgiProtocol<S> protocol;

	private final Handler<S> delegate;

	/** When each open connection was accepted, by {@code System.nanoTime()}. */
	private final Map<SocketChannel, Long> acceptedAt = new ConcurrentHashMap<>();

	UwsgiConnectionHandler(AbstractUwsgiProtocol<S> protocol, Handler<S> delegate) {
		this.protocol = protocol;
		this.delegate = delegate;
	}

	/**
	 * A connection was accepted; the endpoint has not polled it yet.
	 * @param socket the accepted connection
	 */
	void accepted(SocketChannel socket) {
		this.acceptedAt.put(socket, System.nanoTime());
		this.protocol.serverListener().connectionOpened(this.protocol.transport());
	}

	/**
	 * A connection was closed.
	 * @param socket the connection
	 */
	void closed(SocketChannel socket) {
		if (socket != null && this.acceptedAt.remove(socket) != null) {
			this.protocol.serverListener().connectionClosed(this.protocol.transport());
		}
	}

	/**
	 * Return how many connections are open.
	 * @return the connections accepted and not closed yet
	 */
	int openConnections() {
		return this.acceptedAt.size();
	}

	/**
	 * Return when a connection was accepted.
	 * @param socket the connection
	 * @return the {@code System.nanoTime()} of its accept, or now for a connection not seen accepted
	 */
	long acceptedAt(SocketWrapperBase<?> socket) {
		SocketChannel channel = channel(socket);
		Long accepted = (channel != null) ? this.acceptedAt.get(channel) : null;
		return (accepted != null) ? accepted : System.nanoTime();
	}

	@Override
	public SocketState process(SocketWrapperBase<S> socket, SocketEvent status) {
		boolean beforeTheFirstByte = (status == SocketEvent.ERROR && socket.getCurrentProcessor() == null)
				|| status == SocketEvent.CONNECT_FAIL;
		if (beforeTheFirstByte && socket.getError() instanceof SocketTimeoutException) {
			// the poller's read timeout, the header timeout, passed before the first byte (or the
			// end of the TLS handshake)
			this.protocol.refused(peer(socket),
					UwsgiProtocolException.headerTimeout(this.protocol.limits().headerTimeout(), 0));
		}
		if (status == SocketEvent.CONNECT_FAIL) {
			// the TLS handshake failed: nothing to serve, the endpoint closes the connection
			return SocketState.CLOSED;
		}
		return this.delegate.process(socket, status);
	}

	@Override
	public void release(SocketWrapperBase<S> socket) {
		try {
			this.delegate.release(socket);
		}
		finally {
			closed(channel(socket));
		}
	}

	@Override
	public Object getGlobal() {
		return this.delegate.getGlobal();
	}

	@Override
	public void pause() {
		this.delegate.pause();
	}

	@Override
	public void recycle() {
		this.delegate.recycle();
	}

	/**
	 * Return the channel of a connection.
	 * @param socket the connection
	 * @return its channel, or {@code null} for an endpoint that has none
	 */
	static SocketChannel channel(SocketWrapperBase<?> socket) {
		return (socket.getSocket() instanceof NioChannel nio) ? nio.getIOChannel() : null;
	}

	/**
	 * Describe the peer of a connection for a log line, as the Netty server does.
	 * @param socket the connection
	 * @return the client address on TCP, the socket path on a unix socket
	 */
	static String peer(SocketWrapperBase<?> socket) {
		try {
			SocketChannel channel = channel(socket);
			return (channel != null) ? UwsgiPeers.describe(channel.getRemoteAddress(), channel.getLocalAddress())
					: socket.getRemoteAddr();
		}
		catch (IOException ex) {
			return "a closed connection";
		}
	}

}
