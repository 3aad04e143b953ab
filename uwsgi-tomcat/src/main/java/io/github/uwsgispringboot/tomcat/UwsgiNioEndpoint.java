package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * Tomcat's {@link NioEndpoint} with the uwsgi server's connection handling:
 * <ul>
 * <li>every accepted connection is told to the {@link UwsgiConnectionHandler} before it is polled,
 * so that the connection gauge and the header deadline count from the accept;</li>
 * <li>{@link #pause()} is the start of a graceful stop, as the Netty server's: a unix socket's file
 * is removed first, so that the proxy gets "no such file" at once and fails over to another
 * upstream instead of queueing requests on a process that is going away, the connections already
 * queued are accepted and served for {@value #ACCEPT_QUEUE_DRAIN_MILLIS} ms, then the listener is
 * closed; a TCP listener is closed at once. Requests already accepted go on. The listener is not
 * reopened by {@code resume()}: stop and start the connector instead.</li>
 * </ul>
 */
final class UwsgiNioEndpoint extends NioEndpoint {

	private static final Log log = LogFactory.getLog(UwsgiNioEndpoint.class);

	/** How long a unix socket keeps accepting the connections queued before its file was removed. */
	static final long ACCEPT_QUEUE_DRAIN_MILLIS = 200;

	private UwsgiConnectionHandler<NioChannel> connectionHandler;

	/** The unix socket's configured path while its file is moved aside for a graceful stop. */
	private volatile String configuredSocketPath;

	/** The listener is closed: a file at the socket's path now is not this endpoint's to delete. */
	private volatile boolean listenerClosed;

	UwsgiNioEndpoint() {
		// bound on start, so that a graceful stop can close the listener and a start reopen it
		setBindOnInit(false);
	}

	void setConnectionHandler(UwsgiConnectionHandler<NioChannel> connectionHandler) {
		this.connectionHandler = connectionHandler;
	}

	@Override
	protected boolean setSocketOptions(SocketChannel socket) {
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

	@Override
	public void bind() throws Exception {
		this.listenerClosed = false;
		super.bind();
	}

	@Override
	public void pause() {
		if (isRunning() && !isPaused() && getUnixDomainSocketPath() != null && !this.listenerClosed) {
			moveSocketFileAside();
		}
		super.pause();
		closeServerSocketGraceful();
	}

	/**
	 * Take the socket's file away from the proxy and accept what is queued for a moment. The
	 * file is renamed, not deleted, so that the listener can still be reached by its new name to
	 * unlock the acceptor (as {@code pause()} does) and is deleted under it with the listener.
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
		this.configuredSocketPath = path.toString();
		setUnixDomainSocketPath(aside.toString());
		try {
			Thread.sleep(ACCEPT_QUEUE_DRAIN_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
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
			super.doCloseServerSocket();
		}
		finally {
			this.listenerClosed = true;
			if (this.configuredSocketPath != null) {
				setUnixDomainSocketPath(this.configuredSocketPath);
				this.configuredSocketPath = null;
			}
		}
	}

}
