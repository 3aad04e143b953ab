package io.github.uwsgispringboot.server;

import reactor.netty.resources.LoopResources;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.FutureMono;
import reactor.netty.NettyPipeline;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;

import io.github.uwsgispringboot.codec.UwsgiServerCodec;
import io.github.uwsgispringboot.protocol.ListenBacklog;
import io.github.uwsgispringboot.protocol.ListenQueue;
import io.github.uwsgispringboot.protocol.ListenQueueMonitor;
import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;
import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiRequestTimeout;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;
import io.github.uwsgispringboot.protocol.UwsgiListenerStatus;
import io.github.uwsgispringboot.protocol.UnixSocketFile;
import io.github.uwsgispringboot.protocol.UwsgiServerException;

/**
 * Serves an {@link HttpHandler} over the uwsgi protocol, on a TCP port, a unix socket or both.
 * <p>
 * Each listener is a Reactor Netty {@link HttpServer} whose HTTP/1.1 codec is replaced, under the
 * same pipeline name, by a {@link UwsgiServerCodec}; the rest of Reactor Netty's HTTP machinery and
 * Spring's {@link ReactorHttpHandlerAdapter} are used unchanged. Every connection carries one
 * request, so a graceful shutdown stops accepting and then waits for the open connections to close.
 * <p>
 * Given sockets passed in by the service manager (systemd socket activation), the server serves on
 * them instead of binding (see {@link InheritedListener}), and its stop leaves them, and the
 * connections queued on them, to the next process.
 */
public final class UwsgiServer implements UwsgiListenerStatus {

	private static final Log logger = LogFactory.getLog(UwsgiServer.class);

	private static final Duration LISTENER_CLOSE_TIMEOUT = Duration.ofSeconds(3);

	/** How long a unix socket keeps accepting the connections queued before its file was removed. */
	private static final Duration ACCEPT_QUEUE_DRAIN = Duration.ofMillis(200);

	private final UwsgiServerOptions options;

	private final Supplier<HttpHandler> httpHandler;

	private final ChannelGroup connections = new DefaultChannelGroup("uwsgi", GlobalEventExecutor.INSTANCE);

	private final List<DisposableServer> bindings = new ArrayList<>(2);

	private final List<UwsgiServerListener> listeners;

	/** All of {@link #listeners} as one, for what tells them all at once. */
	private final UwsgiServerListener allListeners;

	private final List<UwsgiServerCustomizer> customizers;

	private UnixSocketFile unixSocketFile;

	/** Reads the listeners' accept queues while they listen. */
	private ListenQueueMonitor listenQueues;

	/** The listeners served on inherited sockets, none when the server binds its own. */
	private final List<InheritedListener> inherited = new ArrayList<>(2);

	/** Keeps to {@code maxConnections} across every listener of this server. */
	private final ConnectionLimiter limiter = new ConnectionLimiter();

	private final List<Channel> acceptors = new CopyOnWriteArrayList<>();

	/**
	 * Set once a graceful shutdown starts: the connections queued by then are accepted whatever
	 * {@code maxConnections} says, or closing the listener would reset them.
	 */
	private volatile boolean draining;

	/**
	 * Create a server; nothing is bound until {@link #start()}.
	 * @param options where and how to listen
	 * @param httpHandler the application's handler chain
	 */
	public UwsgiServer(UwsgiServerOptions options, HttpHandler httpHandler) {
		this(options, () -> httpHandler, List.of());
	}

	/**
	 * Create a server whose handler chain is looked up when it starts, as Spring Boot's web server
	 * does: building it earlier would initialize the application's handler mappings before all of
	 * them exist. The server tells {@code listeners} about its connections and requests.
	 * @param options where and how to listen
	 * @param httpHandler supplies the application's handler chain on {@link #start()}
	 * @param listeners metrics, access log and the like
	 */
	public UwsgiServer(UwsgiServerOptions options, Supplier<HttpHandler> httpHandler,
			List<UwsgiServerListener> listeners) {
		this(options, httpHandler, listeners, List.of());
	}

	/**
	 * Create a server whose listeners are also customized by {@code customizers}.
	 * @param options where and how to listen
	 * @param httpHandler supplies the application's handler chain on {@link #start()}
	 * @param listeners metrics, access log and the like
	 * @param customizers applied to each listener's Reactor Netty server, in order
	 */
	public UwsgiServer(UwsgiServerOptions options, Supplier<HttpHandler> httpHandler,
			List<UwsgiServerListener> listeners, List<UwsgiServerCustomizer> customizers) {
		this.options = options;
		this.httpHandler = httpHandler;
		this.listeners = List.copyOf(listeners);
		this.allListeners = UwsgiServerListener.all(this.listeners);
		this.customizers = List.copyOf(customizers);
	}

	/**
	 * Bind the listeners.
	 * @throws UwsgiServerException when a listener cannot be bound; none is left bound then
	 */
	public synchronized void start() {
		if (!this.bindings.isEmpty()) {
			return;
		}
		this.draining = false;
		HttpHandler handler = this.httpHandler.get();
		int queueLimit = this.options.inheritedSockets().isEmpty()
				? ListenBacklog.limit(this.options.backlog(), "uwsgi.backlog=" + this.options.backlog()) : -1;
		try {
			if (!this.options.inheritedSockets().isEmpty()) {
				serveInherited(handler);
			}
			else if (this.options.port() >= 0) {
				InetSocketAddress address = new InetSocketAddress(this.options.address(), this.options.port());
				this.bindings.add(bind(address, handler, UwsgiExchange.TCP, "port " + this.options.port() + " on "
						+ this.options.address().getHostAddress() + " is already in use", null));
			}
			if (this.options.inheritedSockets().isEmpty() && this.options.unixSocketPath() != null) {
				UnixSocketFile file = new UnixSocketFile(this.options.unixSocketPath());
				file.prepare();
				this.bindings.add(bind(bindAddress(file), handler, UwsgiExchange.UNIX,
						"unix socket " + file.path() + " could not be bound", null));
				this.unixSocketFile = file;
				if (this.options.unixSocketPermissions() != null) {
					file.setPermissions(this.options.unixSocketPermissions());
				}
			}
		}
		catch (RuntimeException ex) {
			stop();
			throw ex;
		}
		watchListenQueues(queueLimit);
		startAwaitThread();
	}

	/**
	 * Start reading the listeners' accept queues, and tell the listeners which can be read. Called
	 * by {@link #start()}, holding this server's lock.
	 * @param limit the queue limit of the listeners bound here, -1 for inherited sockets: their
	 * service manager chose theirs
	 */
	private void watchListenQueues(int limit) {
		List<ListenQueueMonitor.Listener> watched = new ArrayList<>(2);
		InetSocketAddress tcp = tcpAddress();
		InheritedListener inheritedTcp = this.inherited.stream().filter((listener) -> !listener.unix()).findFirst()
			.orElse(null);
		String backlogSetting = this.inherited.isEmpty() ? "uwsgi.backlog" : "the socket unit's Backlog=";
		if (tcp != null) {
			int tcpLimit = (inheritedTcp != null) ? inheritedTcp.acceptQueueLimit() : limit;
			if (tcpLimit > 0) {
				watched.add(ListenQueueMonitor.Listener.tcp(tcp, tcpLimit, backlogSetting));
			}
			else {
				logger.info("uwsgi listen queue of tcp " + tcp.getAddress().getHostAddress() + ":" + tcp.getPort()
						+ " is not measured (no meter, no health detail): TCP_INFO did not tell its backlog");
			}
		}
		Path unix = unixSocketPath();
		if (unix != null) {
			watched.add(ListenQueueMonitor.Listener.unix(unix, backlogSetting));
		}
		ListenQueueMonitor monitor = ListenQueueMonitor.start(watched);
		this.listenQueues = monitor;
		for (String transport : monitor.transports()) {
			for (UwsgiServerListener listener : this.listeners) {
				listener.listenQueueWatched(transport, () -> monitor.latest(transport));
			}
		}
	}

	private void serveInherited(HttpHandler handler) {
		for (InheritedListener listener : InheritedListener.inspect(this.options.inheritedSockets())) {
			if (!listener.unix() && !this.options.unprotectedNetworkListenerAllowed()
					&& listener.address() instanceof InetSocketAddress inet && !inet.getAddress().isLoopbackAddress()) {
				throw UwsgiServerException.unprotectedInheritedSocket(listener.describe(), inet);
			}
			this.bindings.add(bind(listener.address(), handler, listener.unix() ? UwsgiExchange.UNIX : UwsgiExchange.TCP,
					"cannot serve on " + listener.describe(), listener));
			this.inherited.add(listener);
		}
	}

	/**
	 * Keep the JVM alive while listening: Reactor Netty's event loop threads are daemons, and an
	 * application served over uwsgi only has no HTTP server thread to do it.
	 */
	private void startAwaitThread() {
		List<DisposableServer> listening = List.copyOf(this.bindings);
		Thread awaitThread = new Thread(() -> {
			for (DisposableServer listener : listening) {
				listener.onDispose().block();
			}
		}, "uwsgi-server-await");
		awaitThread.setDaemon(false);
		awaitThread.start();
	}

	private DisposableServer bind(SocketAddress address, HttpHandler httpHandler, String transport, String failure,
			InheritedListener inherited) {
		UwsgiHttpHandlerAdapter handler = new UwsgiHttpHandlerAdapter(httpHandler,
				this.options.limits().requestTimeout().isEnabled());
		try {
			HttpServer server = HttpServer.create()
				.bindAddress(() -> address)
				.protocol(HttpProtocol.HTTP11)
				.channelGroup(this.connections)
				.runOn((inherited != null) ? UwsgiLoopResources.inherited(inherited)
						: UwsgiLoopResources.shared(!(address instanceof InetSocketAddress)))
				// Netty's channels enable TCP_NODELAY themselves: Reactor Netty's default would set
				// it a second time, a system call per connection, that is per request
				.childOption(ChannelOption.TCP_NODELAY, null)
				.option(ChannelOption.SO_BACKLOG, this.options.backlog())
				.doOnChannelInit((observer, channel, remoteAddress) -> initChannel(channel, transport))
				.handle(new ReactorHttpHandlerAdapter(handler));
			if (!(address instanceof InetSocketAddress)) {
				// an address reuse option means nothing to a unix socket (its file is handled by
				// UnixSocketFile), and the JDK's unix socket listener rejects it with a warning
				server = server.option(ChannelOption.SO_REUSEADDR, null);
			}
			ConnectionLimiter limiter = (this.options.maxConnections() > 0) ? this.limiter : null;
			if (limiter != null) {
				server = server.option(ChannelOption.MAX_MESSAGES_PER_READ, 1)
					.doOnBound((bound) -> bound.channel().pipeline().addFirst("uwsgi.connectionLimiter", limiter));
			}
			for (UwsgiServerCustomizer customizer : this.customizers) {
				server = customizer.apply(server);
			}
			SslContext sslContext = this.options.sslContext();
			if (sslContext != null) {
				server = server.secure((spec) -> spec.sslContext(sslContext));
			}
			DisposableServer bound = server.bindNow();
			Channel listener = bound.channel();
			List<Channel> acceptors = new ArrayList<>();
			acceptors.add(listener);
			acceptors.addAll(UwsgiAcceptors.add(listener, UwsgiAcceptors.count(listener.eventLoop().parent()), limiter));
			this.acceptors.addAll(acceptors);
			bound.onDispose(() -> this.acceptors.removeAll(acceptors));
			if (inherited != null) {
				// set up now: start accepting (see InheritedListener#newChannel)
				listener.eventLoop().execute(() -> listener.config().setAutoRead(limiter == null || limiter.accepting()));
			}
			if (logger.isDebugEnabled()) {
				logger.debug("uwsgi listener " + bound.address() + " accepting on " + acceptors.size() + " event loop(s)");
			}
			return bound;
		}
		catch (RuntimeException ex) {
			throw new UwsgiServerException("uwsgi server failed to start: " + failure + " (" + rootMessage(ex) + ")",
					ex);
		}
	}

	private void initChannel(Channel channel, String transport) {
		channel.pipeline()
			.replace(NettyPipeline.HttpCodec, NettyPipeline.HttpCodec,
					new UwsgiServerCodec(this.options.limits(), this.options.lingerTimeout()));
		String last = NettyPipeline.HttpCodec;
		if (!this.listeners.isEmpty()) {
			channel.pipeline().addAfter(last, UwsgiExchangeHandler.NAME, new UwsgiExchangeHandler(transport, this.listeners));
			last = UwsgiExchangeHandler.NAME;
		}
		if (this.options.accessPolicy().isRestricted()) {
			channel.pipeline().addAfter(last, UwsgiAccessHandler.NAME, new UwsgiAccessHandler(this.options.accessPolicy()));
			last = UwsgiAccessHandler.NAME;
		}
		UwsgiRequestTimeout timeout = this.options.limits().requestTimeout();
		if (timeout.isEnabled()) {
			channel.pipeline()
				.addAfter(last, UwsgiRequestTimer.NAME,
						new UwsgiRequestTimer(timeout, transport, this.allListeners));
		}
	}

	/**
	 * Stop accepting while {@code maxConnections} are open: further connections wait in the
	 * kernel's accept queue. Counted as each connection is accepted, one per read. Several event
	 * loops accept at once (see {@link UwsgiAcceptors}), so a loop may accept a connection while
	 * another reaches the limit: such a connection waits here, not served, until one closes. The
	 * limit holds exactly.
	 */
	@Sharable
	private final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

		/** Accepted beyond the limit, each with the context of the acceptor that accepted it. */
		private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

		private int served;

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (!(msg instanceof Channel connection)) {
				ctx.fireChannelRead(msg);
				return;
			}
			boolean serve;
			synchronized (this) {
				serve = this.served < UwsgiServer.this.options.maxConnections() || UwsgiServer.this.draining;
				if (serve) {
					this.served++;
				}
				else {
					this.waiting.add(new Waiting(ctx, connection));
				}
				if (this.served >= UwsgiServer.this.options.maxConnections() && !UwsgiServer.this.draining) {
					setAccepting(false);
				}
			}
			if (serve) {
				serve(ctx, connection);
			}
		}

		private void serve(ChannelHandlerContext ctx, Channel connection) {
			connection.closeFuture().addListener((ChannelFuture closed) -> closed());
			ctx.fireChannelRead(connection);
		}

		private void closed() {
			Waiting next;
			synchronized (this) {
				next = this.waiting.poll();
				if (next == null) {
					this.served--;
					if (this.served < UwsgiServer.this.options.maxConnections()) {
						setAccepting(true);
					}
					return;
				}
			}
			next.context.executor().execute(() -> serve(next.context, next.connection));
		}

		/**
		 * Return whether the acceptors should accept now.
		 * @return {@code true} below the limit, without a limit, or once a graceful shutdown started
		 */
		synchronized boolean accepting() {
			int max = UwsgiServer.this.options.maxConnections();
			return max <= 0 || this.served < max || UwsgiServer.this.draining;
		}

		/** Serve every connection waiting here: a graceful shutdown has started. */
		void drain() {
			List<Waiting> all;
			synchronized (this) {
				all = new ArrayList<>(this.waiting);
				this.served += all.size();
				this.waiting.clear();
			}
			for (Waiting next : all) {
				next.context.executor().execute(() -> serve(next.context, next.connection));
			}
		}

		/** Close the connections waiting here: the server stops. */
		void closeWaiting() {
			List<Waiting> all;
			synchronized (this) {
				all = new ArrayList<>(this.waiting);
				this.waiting.clear();
			}
			for (Waiting next : all) {
				next.connection.unsafe().closeForcibly();
			}
		}

		private record Waiting(ChannelHandlerContext context, Channel connection) {
		}

	}

	/**
	 * Make every acceptor accept, or stop, as the limiter now says. Each acceptor's auto-read is
	 * changed on its own event loop, from the limiter's state at that moment: set from another
	 * thread, Netty's NIO channels clear their read interest in a task that can run after a later
	 * change back and leave an acceptor deaf.
	 * @param accepting whether the caller found that acceptors should accept
	 */
	private void setAccepting(boolean accepting) {
		for (Channel acceptor : this.acceptors) {
			if (acceptor.config().isAutoRead() != accepting) {
				acceptor.eventLoop().execute(() -> {
					boolean now = this.limiter.accepting();
					if (acceptor.config().isAutoRead() != now) {
						acceptor.config().setAutoRead(now);
					}
				});
			}
		}
	}

	/**
	 * Return the channels that accept connections, over every listener.
	 * @return the acceptors
	 */
	List<Channel> acceptors() {
		return List.copyOf(this.acceptors);
	}

	/**
	 * Return whether the server is listening.
	 * @return {@code true} between {@link #start()} and a stop
	 */
	@Override
	public boolean isListening() {
		return isRunning();
	}

	public synchronized boolean isRunning() {
		return !this.bindings.isEmpty();
	}

	/**
	 * Return the bound TCP address.
	 * @return the address, or {@code null} when there is no TCP listener or it is not started
	 */
	@Override
	public synchronized InetSocketAddress tcpAddress() {
		for (DisposableServer listener : this.bindings) {
			if (listener.address() instanceof InetSocketAddress inet) {
				return inet;
			}
		}
		return null;
	}

	/**
	 * Return the path of the bound unix socket.
	 * @return the path, or {@code null} when there is no unix socket listener or it is not started
	 */
	@Override
	public synchronized Path unixSocketPath() {
		for (InheritedListener listener : this.inherited) {
			if (listener.address() instanceof DomainSocketAddress domain) {
				return Path.of(domain.path());
			}
		}
		return (this.unixSocketFile != null) ? this.unixSocketFile.path() : null;
	}

	@Override
	public synchronized List<ListenQueue> listenQueues() {
		return (this.listenQueues != null) ? this.listenQueues.latest() : List.of();
	}

	/**
	 * Return the inherited sockets the server listens on.
	 * @return the sockets, TCP first, empty when the server bound its own listeners or is stopped
	 */
	public synchronized List<PassedSocket> inheritedSockets() {
		return this.inherited.stream().map(InheritedListener::socket).toList();
	}

	/**
	 * Stop accepting, wait up to {@code timeout} for the connections in flight to finish, then stop.
	 * @param timeout how long to wait for requests in flight
	 * @return {@code true} when every request finished in time
	 */
	public boolean shutDownGracefully(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		this.draining = true;
		this.limiter.drain();
		setAccepting(true);
		if (inheritedSockets().isEmpty()) {
			closeListenersDrainingUnixSocket();
		}
		else {
			// the service manager keeps the sockets open: what is queued waits for the next process
			closeListeners();
		}
		boolean finished = awaitConnections(deadline);
		if (!finished) {
			logger.warn("uwsgi server closed connections still in flight after " + timeout.toMillis() + " ms");
		}
		stop();
		return finished;
	}

	/**
	 * Wait for the open connections to close, looking again until none is left: a connection
	 * accepted just before the listener closed joins the group a little later.
	 */
	private boolean awaitConnections(long deadline) {
		boolean logged = false;
		while (true) {
			List<Mono<Void>> closed = new ArrayList<>();
			for (Channel connection : this.connections) {
				if (!(connection instanceof ServerChannel) && connection.isOpen()) {
					closed.add(FutureMono.from(connection.closeFuture()));
				}
			}
			long remaining = deadline - System.nanoTime();
			if (closed.isEmpty()) {
				return true;
			}
			if (remaining <= 0) {
				return false;
			}
			if (!logged) {
				logger.info("uwsgi server waiting up to " + Duration.ofNanos(remaining).toMillis() + " ms for "
						+ closed.size() + " connection(s) in flight");
				logged = true;
			}
			try {
				Mono.when(closed).block(Duration.ofNanos(remaining));
			}
			catch (IllegalStateException ex) {
				return false;
			}
		}
	}

	/**
	 * Stop at once: close the listeners and every connection, and remove the unix socket file.
	 */
	public void stop() {
		closeListeners();
		this.limiter.closeWaiting();
		// a connection lingering over an unread body closes by itself within the linger timeout
		this.connections.close().awaitUninterruptibly(LISTENER_CLOSE_TIMEOUT.toMillis());
	}

	/**
	 * Stop accepting without losing a connection a proxy has already opened. Closing a listener
	 * resets the connections still in its accept queue, which the proxy may already have sent a
	 * request on: nginx retries a request elsewhere when the connection is refused, but never a
	 * POST it has sent. A unix socket's file is removed first, so that new connections are refused
	 * while the queue is still being accepted and served; a TCP port cannot do that and is closed
	 * at once (take the instance out of the proxy's upstream first for zero loss).
	 */
	private void closeListenersDrainingUnixSocket() {
		UnixSocketFile file;
		synchronized (this) {
			file = this.unixSocketFile;
			for (DisposableServer listener : this.bindings) {
				if (listener.address() instanceof InetSocketAddress) {
					listener.dispose();
				}
			}
		}
		if (file != null) {
			file.delete();
			try {
				Thread.sleep(ACCEPT_QUEUE_DRAIN.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		closeListeners();
	}

	private synchronized void closeListeners() {
		if (this.listenQueues != null) {
			this.listenQueues.close();
			this.listenQueues = null;
		}
		for (DisposableServer listener : this.bindings) {
			// Not disposeNow(): with a channel group it also waits up to 3s for the requests in
			// flight, then throws; waiting for them is shutDownGracefully's job, not stop()'s
			listener.dispose();
			try {
				listener.onDispose().block(LISTENER_CLOSE_TIMEOUT);
			}
			catch (IllegalStateException ex) {
				logger.warn("uwsgi listener " + listener.address() + " did not close within "
						+ LISTENER_CLOSE_TIMEOUT.toMillis() + " ms");
			}
		}
		this.bindings.clear();
		this.inherited.clear();
		if (this.unixSocketFile != null) {
			this.unixSocketFile.delete();
			this.unixSocketFile = null;
		}
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return String.valueOf(root.getMessage());
	}

	/**
	 * Return the address to bind a unix socket: a native domain socket address when a native
	 * transport is available, else the JDK's, for Reactor Netty's NIO transport.
	 */
	private static SocketAddress bindAddress(UnixSocketFile file) {
		// Reactor Netty's native loops bind Netty's address type; its JDK loops (no native library,
		// or reactor.netty.native=false) the JDK's, see UwsgiLoopResources
		return (LoopResources.hasNativeSupport() && LoopResources.DEFAULT_NATIVE)
				? new DomainSocketAddress(file.path().toString()) : UnixDomainSocketAddress.of(file.path());
	}

}
