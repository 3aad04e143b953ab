package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.Acceptor.AcceptorState;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * Tomcat's {@link NioEndpoint} with the uwsgi server's connection handling:
 * <ul>
 * <li>every accepted connection is told to the {@link UwsgiConnectionHandler} before it is polled,
 * so that the connection gauge and the header deadline count from the accept;</li>
 * <li>{@link #pause()} is the start of a graceful stop, as the Netty server's, and loses no
 * connection that reached the listener. A unix socket's file is removed first, so that the proxy
 * gets "no such file" at once and fails over to another upstream. The connection limit is lifted,
 * and every connection in the accept queue is accepted and served: the acceptor runs on until it
 * takes a marker connection queued behind them, then stops, and what is left in the queue is taken
 * without blocking until it stays empty. Only then is the listener closed. A TCP listener is
 * drained in the same way and closed at once after it: new connections are refused from then on,
 * but one that completes its handshake in the instant between the last accept and the close is
 * reset by the kernel (a TCP port, unlike a unix socket's file, cannot stop new connections while
 * its queue is served). Requests already accepted go on. Concurrent pauses (Spring Boot's graceful
 * shutdown pauses every connector of the service while the uwsgi connectors pause their own) wait
 * for the first one to finish. The listener is not reopened by {@code resume()}: stop and start the
 * connector instead.</li>
 * <li>with {@code useInheritedChannel}, it serves on the listening socket the process was started
 * with on standard input ({@link StandardInputListener}) instead of binding. That socket is the
 * service manager's and may be served by the next process already: a pause stops taking
 * connections from it and leaves its accept queue alone (no marker, no drain), and the stop neither
 * closes it nor removes its file. Its acceptor waits on a selector instead of in a blocking
 * {@code accept()}, so that it stops without connecting to the socket as Tomcat's
 * {@code unlockAccept} does: that connection could reach another process serving the socket, and
 * the acceptor could take a queued connection from the proxy instead and drop it as paused.</li>
 * </ul>
 */
final class UwsgiNioEndpoint extends NioEndpoint {

	private static final Log log = LogFactory.getLog(UwsgiNioEndpoint.class);

	/**
	 * How long a unix socket's queue must stay empty after its file is gone before its listener is
	 * closed: a {@code connect()} that found the file just before it went away may still be on its
	 * way into the queue.
	 */
	static final long ACCEPT_QUEUE_QUIET_MILLIS = 20;

	/** The longest wait for the acceptor to take the queued connections up to the marker. */
	static final long ACCEPT_QUEUE_DRAIN_TIMEOUT_MILLIS = 10_000;

	/**
	 * How long the acceptor of an inherited socket waits on its selector before it looks at the
	 * endpoint's state again, should no wake-up reach it.
	 */
	static final long INHERITED_SELECT_TIMEOUT_MILLIS = 1000;

	/** How often the acceptor of a paused inherited socket looks whether the endpoint stopped or resumed. */
	static final long INHERITED_PAUSED_POLL_MILLIS = 10;

	/**
	 * The longest wait of a pause for the connection the inherited socket's acceptor has just taken
	 * to reach Tomcat (a matter of microseconds).
	 */
	static final long INHERITED_HANDOVER_TIMEOUT_MILLIS = 1000;

	private UwsgiConnectionHandler<NioChannel> connectionHandler;

	/** Serialises pauses: the second one waits for the first to close the listener. */
	private final Object pauseLock = new Object();

	/**
	 * The unix socket's configured path while the endpoint uses another: the moved-aside file of a
	 * graceful stop, or an inherited socket's path (or none, for an inherited TCP socket).
	 */
	private volatile String configuredSocketPath;

	/** Whether {@link #configuredSocketPath} is to be restored when the listener closes. */
	private volatile boolean socketPathReplaced;

	/** The listener is closed: a file at the socket's path now is not this endpoint's to delete. */
	private volatile boolean listenerClosed;

	/** The local address of the marker connection queued behind the connections to drain. */
	private volatile SocketAddress marker;

	/** Counted down by the acceptor when it takes the marker. */
	private volatile CountDownLatch markerAccepted;

	/** The connection limit lifted for a graceful stop, restored on the next start; 0 for none. */
	private int liftedMaxConnections;

	/** Tells the acceptor of an inherited socket that a connection is waiting; {@code null} otherwise. */
	private volatile Selector acceptSelector;

	/** Guards {@link #stopAccepting} and {@link #handingOver}. */
	private final Object acceptLock = new Object();

	/** The acceptor of an inherited socket takes no more connections (the endpoint is pausing). */
	private boolean stopAccepting;

	/** A connection taken from the inherited socket is on its way from the acceptor to a poller. */
	private boolean handingOver;

	UwsgiNioEndpoint() {
		// bound on start, so that a graceful stop can close the listener and a start reopen it
		setBindOnInit(false);
	}

	void setConnectionHandler(UwsgiConnectionHandler<NioChannel> connectionHandler) {
		this.connectionHandler = connectionHandler;
	}

	@Override
	protected boolean setSocketOptions(SocketChannel socket) {
		handedOver();
		this.connectionHandler.accepted(socket);
		if (super.setSocketOptions(socket)) {
			return true;
		}
		if (!this.connections.containsKey(socket)) {
			// closed before it had a socket wrapper: the handler hears of no release
			this.connectionHandler.closed(socket);
		}
		return false;
	}

	/**
	 * Accept as Tomcat does, and stop the acceptor at the marker of a graceful stop: the endpoint
	 * is paused here, on the acceptor's thread, so that Tomcat's acceptor, which destroys what it
	 * accepts once paused, destroys the marker and nothing else.
	 */
	@Override
	protected SocketChannel serverSocketAccept() throws Exception {
		if (getUseInheritedChannel()) {
			return acceptInherited();
		}
		SocketChannel socket = super.serverSocketAccept();
		SocketAddress marker = this.marker;
		if (marker != null && isFrom(socket, marker)) {
			this.paused = true;
			this.markerAccepted.countDown();
		}
		return socket;
	}

	private static boolean isFrom(SocketChannel socket, SocketAddress address) {
		try {
			return address.equals(socket.getRemoteAddress());
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	protected void destroySocket(SocketChannel socket) {
		handedOver();
		super.destroySocket(socket);
	}

	@Override
	public void bind() throws Exception {
		this.listenerClosed = false;
		if (this.liftedMaxConnections != 0) {
			setMaxConnections(this.liftedMaxConnections);
			this.liftedMaxConnections = 0;
		}
		if (getUseInheritedChannel()) {
			bindInherited();
		}
		else {
			super.bind();
		}
	}

	/**
	 * Adopt the listening socket on standard input, as Tomcat's {@code useInheritedChannel} does,
	 * and set it up for an acceptor that waits on a selector. A unix socket is told to Tomcat by
	 * its path, as a bound one is: Tomcat then treats its connections as a unix socket's.
	 */
	private void bindInherited() throws Exception {
		StandardInputListener inherited = StandardInputListener.find();
		if (inherited == null) {
			throw new IllegalStateException("The uwsgi connector is set to useInheritedChannel, but standard input "
					+ "(descriptor 0) is " + StandardInputListener.describeStandardInput() + ": start the process "
					+ "with its listening socket there (systemd: StandardInput=socket in the .service unit)");
		}
		replaceSocketPath(inherited.isUnix() ? inherited.unixSocketPath().toString() : null);
		synchronized (this.acceptLock) {
			this.stopAccepting = false;
			this.handingOver = false;
		}
		super.bind();
		ServerSocketChannel listener = (ServerSocketChannel) getServerSocket();
		Selector selector = Selector.open();
		try {
			listener.configureBlocking(false);
			listener.register(selector, SelectionKey.OP_ACCEPT);
		}
		catch (IOException | RuntimeException ex) {
			selector.close();
			throw ex;
		}
		this.acceptSelector = selector;
	}

	private void replaceSocketPath(String path) {
		this.configuredSocketPath = getUnixDomainSocketPath();
		this.socketPathReplaced = true;
		setUnixDomainSocketPath(path);
	}

	/**
	 * Take the next connection from the inherited socket. It waits on a selector and accepts without
	 * blocking, and never while the endpoint is pausing: a connection it returns is one the acceptor
	 * serves (see {@link #stopAcceptingInherited()}). Once the endpoint has stopped it fails, which
	 * ends Tomcat's acceptor quietly.
	 */
	private SocketChannel acceptInherited() throws IOException {
		ServerSocketChannel listener = (ServerSocketChannel) getServerSocket();
		Selector selector = this.acceptSelector;
		while (isRunning()) {
			synchronized (this.acceptLock) {
				if (!this.stopAccepting && listener != null && listener.isOpen()) {
					SocketChannel socket = listener.accept();
					if (socket != null) {
						this.handingOver = true;
						return socket;
					}
				}
			}
			awaitInheritedConnection(selector);
		}
		throw new SocketException("The uwsgi connector has stopped");
	}

	/**
	 * Wait for a connection on the inherited socket, or a little while when no connection is to be
	 * taken: selecting then would return at once for every connection queued for the next process.
	 */
	private void awaitInheritedConnection(Selector selector) throws IOException {
		boolean accepting;
		synchronized (this.acceptLock) {
			accepting = !this.stopAccepting;
		}
		try {
			if (accepting && selector != null && selector.isOpen()) {
				selector.select(INHERITED_SELECT_TIMEOUT_MILLIS);
				selector.selectedKeys().clear();
			}
			else {
				Thread.sleep(INHERITED_PAUSED_POLL_MILLIS);
			}
		}
		catch (ClosedSelectorException ex) {
			// closed by a stop: the caller looks at the endpoint's state again
		}
		catch (InterruptedException ex) {
			// as Tomcat's acceptor, which ignores interrupts while paused: the state says when to end
		}
	}

	/** The connection the inherited socket's acceptor took has reached Tomcat. */
	private void handedOver() {
		synchronized (this.acceptLock) {
			if (this.handingOver) {
				this.handingOver = false;
				this.acceptLock.notifyAll();
			}
		}
	}

	/**
	 * Stop taking connections from the inherited socket, and wait until the one the acceptor may
	 * have just taken has reached Tomcat: once the endpoint is paused, Tomcat's acceptor destroys a
	 * connection it accepted instead of serving it.
	 */
	private void stopAcceptingInherited() {
		synchronized (this.acceptLock) {
			this.stopAccepting = true;
			wakeUpInheritedAcceptor();
			long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INHERITED_HANDOVER_TIMEOUT_MILLIS);
			long left;
			while (this.handingOver && (left = deadline - System.nanoTime()) > 0) {
				try {
					TimeUnit.NANOSECONDS.timedWait(this.acceptLock, left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	private void wakeUpInheritedAcceptor() {
		Selector selector = this.acceptSelector;
		if (selector != null) {
			selector.wakeup();
		}
	}

	/**
	 * Wake the acceptor of an inherited socket without connecting to the socket; Tomcat's own way
	 * for the others.
	 */
	@Override
	protected void unlockAccept() {
		if (getUseInheritedChannel()) {
			wakeUpInheritedAcceptor();
			return;
		}
		super.unlockAccept();
	}

	@Override
	public void pause() {
		synchronized (this.pauseLock) {
			if (!isRunning() || isPaused()) {
				return;
			}
			try {
				if (getUseInheritedChannel()) {
					// the queue is the next process's: leave it
					stopAcceptingInherited();
					liftConnectionLimit();
				}
				else if (!this.listenerClosed) {
					closeListenerGracefully();
				}
			}
			finally {
				this.paused = true;
				getHandler().pause();
			}
		}
	}

	@Override
	public void resume() {
		if (this.listenerClosed) {
			log.warn("The uwsgi listener was closed by pause(): stop and start the connector to listen again");
			return;
		}
		super.resume();
		if (getUseInheritedChannel() && isRunning()) {
			// not before the endpoint is no longer paused: see stopAcceptingInherited()
			synchronized (this.acceptLock) {
				this.stopAccepting = false;
			}
			wakeUpInheritedAcceptor();
		}
	}

	/**
	 * Stop accepting without losing a connection that reached the listener: take the unix socket's
	 * file away, accept and serve everything queued, then close the listener.
	 */
	private void closeListenerGracefully() {
		if (getUnixDomainSocketPath() != null) {
			moveSocketFileAside();
		}
		liftConnectionLimit();
		drainUpToMarker();
		awaitAcceptorOutOfAccept();
		sweepAcceptQueue();
		closeServerSocketGraceful();
	}

	/**
	 * Take the socket's file away from the proxy. The file is renamed, not deleted, so that the
	 * listener can still be reached by its new name to queue the marker (and unlock the acceptor),
	 * and is deleted under it with the listener.
	 */
	private void moveSocketFileAside() {
		Path path = Path.of(getUnixDomainSocketPath());
		Path aside = path.resolveSibling("." + path.getFileName() + ".closing");
		try {
			Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException ex) {
			log.warn("Could not remove uwsgi socket file " + path + " before closing its listener: " + ex);
			return;
		}
		replaceSocketPath(aside.toString());
	}

	/**
	 * Lift the connection limit, as the Netty server does: the connections waiting in the queue
	 * for a connection slot are accepted and served before the listener closes.
	 */
	private void liftConnectionLimit() {
		int maxConnections = getMaxConnections();
		if (maxConnections != -1) {
			this.liftedMaxConnections = maxConnections;
			setMaxConnections(-1);
		}
	}

	/**
	 * Queue a marker connection behind the connections already queued and let the acceptor take
	 * them all, as it takes any connection, until it takes the marker and stops. Without a marker
	 * (it could not connect), or when the acceptor does not reach it in time, the acceptor is
	 * stopped as Tomcat stops it and the sweep takes what is left.
	 */
	private void drainUpToMarker() {
		CountDownLatch accepted = new CountDownLatch(1);
		this.markerAccepted = accepted;
		Path markerFile = null;
		SocketChannel markerChannel = null;
		try {
			if (getUnixDomainSocketPath() != null) {
				markerChannel = SocketChannel.open(StandardProtocolFamily.UNIX);
				markerFile = bindUnixMarker(markerChannel);
				this.marker = markerChannel.getLocalAddress();
				markerChannel.connect(UnixDomainSocketAddress.of(getUnixDomainSocketPath()));
			}
			else {
				InetSocketAddress target = markerTarget();
				markerChannel = SocketChannel.open();
				// bound before it connects, so that its address is known before the acceptor can take it
				markerChannel.bind(new InetSocketAddress(target.getAddress(), 0));
				this.marker = markerChannel.getLocalAddress();
				markerChannel.socket().connect(target, (int) ACCEPT_QUEUE_DRAIN_TIMEOUT_MILLIS);
			}
			if (!accepted.await(ACCEPT_QUEUE_DRAIN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
				log.warn("The uwsgi acceptor did not drain its queue within " + ACCEPT_QUEUE_DRAIN_TIMEOUT_MILLIS
						+ " ms: closing the listener");
			}
		}
		catch (IOException ex) {
			log.warn("Could not queue the marker that drains the uwsgi listener's accept queue: " + ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.marker = null;
			if (accepted.getCount() > 0) {
				// no marker taken: stop the acceptor as Tomcat does, the sweep takes what is left
				this.paused = true;
				unlockAccept();
			}
			closeQuietly(markerChannel);
			if (markerFile != null) {
				try {
					Files.deleteIfExists(markerFile);
				}
				catch (IOException ex) {
					log.debug("Could not delete the uwsgi drain marker's socket file " + markerFile, ex);
				}
			}
		}
	}

	/**
	 * Bind the marker's end to a path of its own, so that the acceptor can tell it from the
	 * proxy's connections, which are unnamed.
	 */
	private Path bindUnixMarker(SocketChannel channel) throws IOException {
		String name = ".uwsgi-drain-" + UUID.randomUUID().toString().substring(0, 8) + ".sock";
		IOException failure = null;
		for (Path directory : new Path[] { Path.of(System.getProperty("java.io.tmpdir")),
				Path.of(getUnixDomainSocketPath()).toAbsolutePath().getParent() }) {
			Path file = directory.resolve(name);
			try {
				channel.bind(UnixDomainSocketAddress.of(file));
				return file;
			}
			catch (IOException ex) {
				failure = ex;
			}
		}
		throw failure;
	}

	/** The listener's address, or the loopback address of its family when it listens on every address. */
	private InetSocketAddress markerTarget() throws IOException {
		InetSocketAddress local = (InetSocketAddress) getServerSocket().getLocalAddress();
		if (local.getAddress().isAnyLocalAddress()) {
			InetAddress loopback = (local.getAddress() instanceof java.net.Inet6Address)
					? InetAddress.getByName("::1") : InetAddress.getByName("127.0.0.1");
			return new InetSocketAddress(loopback, local.getPort());
		}
		return local;
	}

	/** Wait until the acceptor, paused, is no longer inside {@code accept()}. */
	private void awaitAcceptorOutOfAccept() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
		while (this.acceptor != null && this.acceptor.getState() == AcceptorState.RUNNING
				&& System.nanoTime() < deadline) {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/**
	 * Accept what is still queued without blocking, until the queue is empty; a unix socket's
	 * queue must then stay empty for {@value #ACCEPT_QUEUE_QUIET_MILLIS} ms. A TCP listener is
	 * closed as soon as its queue is found empty: new connections keep coming until then.
	 */
	private void sweepAcceptQueue() {
		if (this.acceptor != null && this.acceptor.getState() == AcceptorState.RUNNING) {
			// still blocked in accept(): the listener cannot be made non-blocking under it
			return;
		}
		if (!(getServerSocket() instanceof ServerSocketChannel listener) || !listener.isOpen()) {
			return;
		}
		boolean unix = getUnixDomainSocketPath() != null;
		try {
			listener.configureBlocking(false);
			acceptQueued(listener);
			if (unix) {
				do {
					Thread.sleep(ACCEPT_QUEUE_QUIET_MILLIS);
				}
				while (acceptQueued(listener) > 0);
			}
		}
		catch (IOException ex) {
			log.warn("Could not drain the uwsgi listener's accept queue: " + ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Accept and serve what is in the queue now; return how many were accepted. */
	private int acceptQueued(ServerSocketChannel listener) throws IOException {
		int count = 0;
		SocketChannel socket;
		while ((socket = listener.accept()) != null) {
			count++;
			if (!setSocketOptions(socket)) {
				closeSocket(socket);
			}
		}
		return count;
	}

	/** Close the inherited socket's selector, which takes the socket out of it. */
	private void closeAcceptSelector() {
		Selector selector = this.acceptSelector;
		this.acceptSelector = null;
		if (selector != null) {
			try {
				selector.close();
			}
			catch (IOException ex) {
				log.debug("Could not close the uwsgi acceptor's selector", ex);
			}
		}
	}

	private static void closeQuietly(SocketChannel channel) {
		if (channel != null) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// nothing to do
			}
		}
	}

	@Override
	protected void doCloseServerSocket() throws IOException {
		if (this.listenerClosed) {
			// Tomcat closes again on unbind after a graceful close: the path may be another
			// process's socket by now
			return;
		}
		try {
			if (getUseInheritedChannel()) {
				closeAcceptSelector();
				// Tomcat deletes the file at the socket's path: an inherited socket's is the service
				// manager's. It leaves an inherited channel open (see StandardInputListener).
				setUnixDomainSocketPath(null);
			}
			super.doCloseServerSocket();
		}
		finally {
			this.listenerClosed = true;
			if (this.socketPathReplaced) {
				setUnixDomainSocketPath(this.configuredSocketPath);
				this.configuredSocketPath = null;
				this.socketPathReplaced = false;
			}
		}
	}

}
