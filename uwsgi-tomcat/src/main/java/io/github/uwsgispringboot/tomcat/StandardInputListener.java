package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The listening socket a process was started with on its standard input, descriptor 0: what
 * systemd passes with {@code StandardInput=socket} (a {@code .socket} unit with one socket and
 * {@code Accept=no}), and inetd did before it. It is the only inherited socket the JDK can adopt
 * ({@code System.inheritedChannel()}, a TCP or, since Java 16, a unix socket); the descriptors from
 * 3 on that systemd passes otherwise ({@code LISTEN_FDS}) have no JDK API. Tomcat's
 * {@code useInheritedChannel} serves on it.
 * <p>
 * The channel is the JDK's, one per process, and is never closed here: closing it would also
 * point descriptors 0, 1 and 2 at {@code /dev/null} (the JDK detaches the standard streams with
 * it), silencing a log written to standard output or error. The service manager keeps its own
 * descriptor of the socket, so the socket and its accept queue outlive the process either way.
 */
public final class StandardInputListener {

	private static final String DESCRIPTION = "fd 0 (standard input)";

	private final ServerSocketChannel channel;

	private final SocketAddress address;

	private StandardInputListener(ServerSocketChannel channel, SocketAddress address) {
		this.channel = channel;
		this.address = address;
	}

	/**
	 * Return the listening socket on standard input.
	 * @return the listener, or {@code null} when standard input is not a listening socket
	 * @throws IOException when its address cannot be read
	 */
	public static StandardInputListener find() throws IOException {
		if (System.inheritedChannel() instanceof ServerSocketChannel channel) {
			return new StandardInputListener(channel, channel.getLocalAddress());
		}
		return null;
	}

	/**
	 * Say what standard input is, for a message that explains why it cannot be served on.
	 * @return a description such as "a connected socket (Accept=yes)"
	 */
	public static String describeStandardInput() {
		Channel channel;
		try {
			channel = System.inheritedChannel();
		}
		catch (IOException ex) {
			return "unreadable (" + ex.getMessage() + ")";
		}
		if (channel instanceof ServerSocketChannel) {
			return "a listening socket";
		}
		if (channel instanceof SocketChannel) {
			return "a connected socket, one connection (inetd style, Accept=yes), not a listening socket";
		}
		if (channel instanceof DatagramChannel) {
			return "a datagram socket, not a listening stream socket";
		}
		return "not a socket";
	}

	/**
	 * Return the address the socket is bound to.
	 * @return an {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}
	 */
	public SocketAddress address() {
		return this.address;
	}

	/**
	 * Return whether it is a unix socket.
	 * @return {@code true} for a unix socket, {@code false} for TCP
	 */
	public boolean isUnix() {
		return this.address instanceof UnixDomainSocketAddress;
	}

	/**
	 * Return the path of a unix socket.
	 * @return the path, or {@code null} for TCP
	 */
	public Path unixSocketPath() {
		return (this.address instanceof UnixDomainSocketAddress unix) ? unix.getPath() : null;
	}

	ServerSocketChannel channel() {
		return this.channel;
	}

	/**
	 * Return how a log line names the listener.
	 * @return {@code fd 0 (standard input)}
	 */
	@Override
	public String toString() {
		return DESCRIPTION;
	}

}
