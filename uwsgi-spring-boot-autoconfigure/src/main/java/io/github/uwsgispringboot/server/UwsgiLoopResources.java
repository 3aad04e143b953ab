package io.github.uwsgispringboot.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ServerSocketChannel;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

/**
 * The event loops of the uwsgi listeners: Reactor Netty's shared HTTP loops (those of Spring
 * Boot's own Reactor Netty server), with each connection served on the loop that accepted it
 * when every loop accepts (see {@link UwsgiAcceptors}), which needs Netty's native epoll
 * transport. With any other transport, Reactor Netty's loops as they are: one loop accepts and
 * hands each connection to the next loop in turn.
 */
final class UwsgiLoopResources implements LoopResources {

	private final LoopResources loops;

	private final EventLoopGroup colocated;

	private UwsgiLoopResources(LoopResources loops, EventLoopGroup group) {
		this.loops = loops;
		this.colocated = LoopResources.colocate(group);
	}

	/**
	 * Return the loops for a listener, built on Reactor Netty's shared ones.
	 * @return the loop resources
	 */
	static LoopResources shared() {
		LoopResources loops = HttpResources.get();
		EventLoopGroup group = loops.onServer(true);
		boolean epoll = loops.onChannelClass(ServerSocketChannel.class, group) == EpollServerSocketChannel.class;
		return epoll ? new UwsgiLoopResources(loops, group) : loops;
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		return this.colocated;
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

}
