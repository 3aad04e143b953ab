package io.github.uwsgispringboot.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

/**
 * The event loops of the uwsgi listeners: Reactor Netty's shared HTTP loops (those of Spring
 * Boot's own Reactor Netty server), with each connection served on the loop that accepted it
 * when every loop accepts (see {@link UwsgiAcceptors}), which needs Netty's native epoll
 * transport. With any other transport (the JDK's when native transports are off or missing,
 * io_uring, kqueue), Reactor Netty's loops as they are: one loop accepts and hands each connection
 * to the next loop in turn.
 * <p>
 * Reactor Netty's JDK loops have no unix socket listener: for a unix socket they get Netty's JDK
 * one ({@link NioServerDomainSocketChannel}, Java 16 and later), bound to the JDK's
 * {@code UnixDomainSocketAddress}.
 * <p>
 * For a socket passed in by the service manager, Reactor Netty gets the channel over that socket
 * (see {@link InheritedListener}) where it would create one.
 */
final class UwsgiLoopResources implements LoopResources {

	private final LoopResources loops;

	private final boolean unixSocket;

	private final InheritedListener inherited;

	/** The native server loops and their colocated view, made when first asked for. */
	private volatile Colocated colocated;

	private UwsgiLoopResources(LoopResources loops, boolean unixSocket, InheritedListener inherited) {
		this.loops = loops;
		this.unixSocket = unixSocket;
		this.inherited = inherited;
	}

	/**
	 * Return the loops for a listener, built on Reactor Netty's shared ones.
	 * @param unixSocket whether the listener is a unix socket
	 * @return the loop resources
	 */
	static LoopResources shared(boolean unixSocket) {
		return new UwsgiLoopResources(HttpResources.get(), unixSocket, null);
	}

	/**
	 * Return the loops for a listener on an inherited socket, built on Reactor Netty's shared ones.
	 * @param inherited the socket
	 * @return the loop resources
	 */
	static LoopResources inherited(InheritedListener inherited) {
		return new UwsgiLoopResources(HttpResources.get(), inherited.unix(), inherited);
	}

	@Override
	@SuppressWarnings("unchecked")
	public <CHANNEL extends Channel> CHANNEL onChannel(Class<CHANNEL> channelType, EventLoopGroup group) {
		if (this.inherited != null) {
			return (CHANNEL) this.inherited.newChannel();
		}
		if (this.unixSocket && this.loops.onChannelClass(ServerSocketChannel.class, group) == NioServerSocketChannel.class) {
			return (CHANNEL) new NioServerDomainSocketChannel();
		}
		return this.loops.onChannel(channelType, group);
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		EventLoopGroup group = this.loops.onServer(useNative);
		Colocated colocated = this.colocated;
		if (colocated == null || colocated.group != group) {
			boolean epoll = this.loops.onChannelClass(ServerSocketChannel.class, group) == EpollServerSocketChannel.class;
			colocated = new Colocated(group, epoll ? LoopResources.colocate(group) : group);
			this.colocated = colocated;
		}
		return colocated.view;
	}

	@Override
	public EventLoopGroup onServerSelect(boolean useNative) {
		return this.loops.onServerSelect(useNative);
	}

	@Override
	public EventLoopGroup onClient(boolean useNative) {
		return this.loops.onClient(useNative);
	}

	@Override
	public boolean daemon() {
		return this.loops.daemon();
	}

	private record Colocated(EventLoopGroup group, EventLoopGroup view) {
	}

}
