package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.Socket;
import reactor.netty.resources.LoopResources;

import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;
import io.github.uwsgispringboot.protocol.UwsgiServerException;

/**
 * A listening socket passed in by the service manager (systemd socket activation), served
 * instead of one the server binds. Netty's epoll channels wrap such a descriptor; Reactor Netty
 * has no API for a bound channel, so the listener's loop resources hand Reactor Netty this
 * channel where it would create one, and its {@code bind} completes at once: the socket is already
 * bound and listening. Everything else (the acceptor, each connection's pipeline, the extra
 * acceptors of {@link UwsgiAcceptors}) is the same as for a socket the server binds.
 * <p>
 * Closing the channel closes this process's descriptor only: the service manager keeps its own,
 * so the socket and the connections in its accept queue stay for the next process, and a unix
 * socket's file stays where systemd made it.
 *
 * @param socket the descriptor and its name
 * @param address the address it is bound to
 * @param unix whether it is a unix socket, else TCP
 */
record InheritedListener(PassedSocket socket, SocketAddress address, boolean unix) {

	private static final int SOL_SOCKET = 1;

	private static final int SO_TYPE = 3;

	private static final int SO_ACCEPTCONN = 30;

	private static final int SO_DOMAIN = 39;

	private static final int SOCK_STREAM = 1;

	private static final int IPPROTO_TCP = 6;

	private static final int TCP_INFO = 11;

	/** Offset of {@code tcpi_sacked} in {@code struct tcp_info}: a listener's backlog. */
	private static final int TCPI_SACKED = 28;

	/** The bytes of {@code struct tcp_info} up to and with {@code tcpi_sacked}. */
	private static final int TCP_INFO_PREFIX = 32;

	private static final int AF_UNIX = 1;

	private static final int AF_INET = 2;

	private static final int AF_INET6 = 10;

	/**
	 * Look at each passed socket: it must be a listening stream socket, TCP or unix, and at most one
	 * of each is served (name the uwsgi ones {@code uwsgi} when more are passed).
	 * @param sockets the sockets for the uwsgi listeners
	 * @return the listeners, TCP first
	 * @throws UwsgiServerException when they cannot be served
	 */
	static List<InheritedListener> inspect(List<PassedSocket> sockets) {
		requireEpoll(sockets);
		List<InheritedListener> tcp = new ArrayList<>();
		List<InheritedListener> unix = new ArrayList<>();
		for (PassedSocket passed : sockets) {
			InheritedListener listener = inspect(passed);
			(listener.unix() ? unix : tcp).add(listener);
		}
		if (tcp.size() > 1 || unix.size() > 1) {
			throw failure("more than one " + ((tcp.size() > 1) ? "TCP" : "unix") + " socket was passed (" + sockets
					+ "): name the one to serve on FileDescriptorName=uwsgi in its .socket unit", null);
		}
		List<InheritedListener> all = new ArrayList<>(tcp);
		all.addAll(unix);
		return all;
	}

	private static void requireEpoll(List<PassedSocket> sockets) {
		if (!LoopResources.DEFAULT_NATIVE || !Epoll.isAvailable()) {
			throw failure("sockets were passed in (" + sockets + ") but only Netty's native epoll transport can serve "
					+ "on an inherited descriptor, and it is " + (LoopResources.DEFAULT_NATIVE ? "not available ("
							+ Epoll.unavailabilityCause() + ")" : "turned off (reactor.netty.native=false)")
					+ ". Set uwsgi.inherited-sockets=ignore to bind the configured address instead.", null);
		}
	}

	private static InheritedListener inspect(PassedSocket passed) {
		Socket socket = new Socket(passed.fd());
		try {
			if (socket.getIntOpt(SOL_SOCKET, SO_TYPE) != SOCK_STREAM
					|| socket.getIntOpt(SOL_SOCKET, SO_ACCEPTCONN) == 0) {
				throw failure(passed + " is not a listening stream socket", null);
			}
			int family = socket.getIntOpt(SOL_SOCKET, SO_DOMAIN);
			if (family == AF_UNIX) {
				return new InheritedListener(passed, socket.localDomainSocketAddress(), true);
			}
			if (family == AF_INET || family == AF_INET6) {
				return new InheritedListener(passed, socket.localAddress(), false);
			}
			throw failure(passed + " is neither a TCP nor a unix socket (address family " + family + ")", null);
		}
		catch (IOException ex) {
			throw failure("cannot use " + passed + ": " + ex.getMessage(), ex);
		}
	}

	private static UwsgiServerException failure(String message, Throwable cause) {
		return new UwsgiServerException("uwsgi server failed to start: " + message, cause);
	}

	/**
	 * Return a new server channel over the descriptor, not accepting until the server has set it
	 * up (see {@link UwsgiServer}).
	 * @return the channel
	 */
	ServerChannel newChannel() {
		ServerChannel channel = this.unix ? new EpollServerDomainSocketChannel(this.socket.fd(), true)
				: new EpollServerSocketChannel(this.socket.fd());
		channel.config().setAutoRead(false);
		channel.pipeline().addLast(AlreadyBound.INSTANCE);
		return channel;
	}

	/**
	 * Return the limit of a TCP socket's accept queue, which its service manager chose (systemd's
	 * {@code Backlog=}): {@code TCP_INFO}'s {@code tcpi_sacked}, as uWSGI reads it.
	 * @return the limit, or -1 when it cannot be read
	 */
	int acceptQueueLimit() {
		ByteBuffer info = ByteBuffer.allocate(TCP_INFO_PREFIX).order(ByteOrder.nativeOrder());
		try {
			new Socket(this.socket.fd()).getRawOpt(IPPROTO_TCP, TCP_INFO, info);
			return info.getInt(TCPI_SACKED);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/**
	 * Return how the start-up line names the listener.
	 * @return the address and the descriptor
	 */
	String describe() {
		return "inherited " + this.socket;
	}

	/** Completes the {@code bind} Reactor Netty asks for: the socket is bound and listening already. */
	@Sharable
	private static final class AlreadyBound extends ChannelOutboundHandlerAdapter {

		static final AlreadyBound INSTANCE = new AlreadyBound();

		@Override
		public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
			promise.setSuccess();
		}

	}

}
