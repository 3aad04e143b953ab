package io.github.uwsgispringboot.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.PromiseCombiner;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * More event loops accepting on one listening socket. Behind nginx every uwsgi request is a new
 * connection, and handing each one from the loop that accepted it to another loop costs a
 * wake-up of that loop (a system call and a context switch) per request. Instead, every loop that
 * takes part accepts on the listener's socket itself and serves what it accepts (the child event
 * loop group is colocated, see {@code LoopResources#colocate}), as uWSGI's worker processes all
 * accept on one socket.
 * <p>
 * The extra channels are epoll server channels over the listener's own file descriptor (not a
 * duplicate: the JDK and Netty cannot duplicate one): they never close it. Each passes what it
 * accepts to the listener's Reactor Netty acceptor, called on the extra channel's own loop, so
 * that the connection is set up exactly as the listener's own. Before the listener closes its
 * socket, the extra channels are taken out of their loops' epoll sets.
 * <p>
 * Only for Netty's native epoll transport (Linux); with any other transport the listener accepts
 * alone.
 */
final class UwsgiAcceptors {

	private static final Log logger = LogFactory.getLog(UwsgiAcceptors.class);

	/** Class name of Reactor Netty's handler that sets up each accepted connection. */
	private static final String REACTOR_ACCEPTOR = "reactor.netty.transport.ServerTransport$Acceptor";

	/** How long accepting pauses after an accept failed (such as too many open files), as Reactor Netty's own. */
	private static final long ACCEPT_FAILURE_PAUSE_MILLIS = 1000;

	private static final String CLOSE_GUARD = "uwsgi.acceptorsCloseGuard";

	private UwsgiAcceptors() {
	}

	/**
	 * Return how many loops of {@code group} should accept: one per processor, at most one per loop.
	 * @param group the event loops of the listener
	 * @return the number of acceptors, the listener included
	 */
	static int count(EventLoopGroup group) {
		int loops = 0;
		for (EventExecutor ignored : group) {
			loops++;
		}
		return Math.max(1, Math.min(loops, Runtime.getRuntime().availableProcessors()));
	}

	/**
	 * Return whether extra acceptors can share the socket of {@code listener}.
	 * @param listener a bound server channel
	 * @return {@code true} for an epoll server channel (TCP or unix socket)
	 */
	static boolean supports(Channel listener) {
		return listener instanceof EpollServerSocketChannel || listener instanceof EpollServerDomainSocketChannel;
	}

	/**
	 * Add acceptors to a bound listener, on other loops of its event loop group.
	 * @param listener the bound listener, set up by Reactor Netty
	 * @param count how many channels should accept, the listener included
	 * @param first a sharable handler to put first in each extra channel's pipeline (as in the
	 * listener's), or {@code null}
	 * @return the extra channels, empty when none could be added
	 */
	static List<Channel> add(Channel listener, int count, ChannelHandler first) {
		if (count <= 1 || !supports(listener)) {
			return List.of();
		}
		ChannelInboundHandler acceptor = reactorAcceptor(listener);
		if (acceptor == null) {
			logger.debug("No Reactor Netty acceptor in " + listener.pipeline().names() + ": one acceptor only");
			return List.of();
		}
		int fd = ((io.netty.channel.unix.UnixChannel) listener).fd().intValue();
		List<Channel> added = new ArrayList<>(count - 1);
		for (EventExecutor executor : listener.eventLoop().parent()) {
			if (added.size() == count - 1) {
				break;
			}
			if (executor == listener.eventLoop() || !(executor instanceof EventLoop loop)) {
				continue;
			}
			Channel extra = (listener instanceof EpollServerDomainSocketChannel)
					? new EpollServerDomainSocketChannel(fd, true) : new EpollServerSocketChannel(fd);
			extra.config().setMaxMessagesPerRead(listener.config().getMaxMessagesPerRead());
			if (first != null) {
				extra.pipeline().addLast(first);
			}
			extra.pipeline().addLast(new AcceptorDelegate(acceptor));
			try {
				loop.register(extra).syncUninterruptibly();
			}
			catch (RuntimeException ex) {
				// never closed: the descriptor is the listener's
				logger.warn("uwsgi listener " + listener.localAddress() + " accepts on " + (added.size() + 1)
						+ " event loop(s) only: " + ex);
				break;
			}
			added.add(extra);
		}
		if (!added.isEmpty()) {
			listener.pipeline().addFirst(CLOSE_GUARD, new DeregisterBeforeClose(List.copyOf(added)));
		}
		return added;
	}

	private static ChannelInboundHandler reactorAcceptor(Channel listener) {
		for (Map.Entry<String, ChannelHandler> handler : listener.pipeline()) {
			if (handler.getValue() instanceof ChannelInboundHandler inbound
					&& handler.getValue().getClass().getName().equals(REACTOR_ACCEPTOR)) {
				return inbound;
			}
		}
		return null;
	}

	/**
	 * Sets up what an extra channel accepts with the listener's acceptor, on the extra channel's
	 * loop: with a colocated child group, the connection stays on that loop.
	 */
	private static final class AcceptorDelegate extends ChannelInboundHandlerAdapter {

		private final ChannelInboundHandler acceptor;

		AcceptorDelegate(ChannelInboundHandler acceptor) {
			this.acceptor = acceptor;
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			this.acceptor.channelRead(ctx, msg);
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			Channel channel = ctx.channel();
			logger.warn("uwsgi acceptor failed to accept a connection; pausing it for "
					+ ACCEPT_FAILURE_PAUSE_MILLIS + " ms: " + cause);
			if (channel.config().isAutoRead()) {
				channel.config().setAutoRead(false);
				channel.eventLoop()
					.schedule(() -> channel.config().setAutoRead(true), ACCEPT_FAILURE_PAUSE_MILLIS,
							TimeUnit.MILLISECONDS);
			}
		}

	}

	/**
	 * Takes the extra channels out of their loops before the listener closes the socket they share:
	 * afterwards its descriptor number may belong to another file.
	 */
	private static final class DeregisterBeforeClose extends ChannelOutboundHandlerAdapter {

		private final List<Channel> extras;

		DeregisterBeforeClose(List<Channel> extras) {
			this.extras = extras;
		}

		@Override
		public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
			PromiseCombiner deregistered = new PromiseCombiner(ctx.executor());
			for (Channel extra : this.extras) {
				if (extra.isRegistered()) {
					deregistered.add((Future<?>) extra.deregister());
				}
			}
			deregistered.finish(ctx.newPromise().addListener((done) -> ctx.close(promise)));
		}

	}

}
