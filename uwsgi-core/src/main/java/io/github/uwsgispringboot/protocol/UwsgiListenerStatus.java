package io.github.uwsgispringboot.protocol;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a uwsgi server listens, whichever server it is: health checks, start-up events and log
 * lines read it.
 */
public interface UwsgiListenerStatus {

	/**
	 * Return whether the server is bound and accepting connections.
	 * @return {@code true} while listening
	 */
	boolean isListening();

	/**
	 * Return the bound TCP address, with the actual port when port 0 was asked for.
	 * @return the address, or {@code null} without a TCP listener or before it is bound
	 */
	InetSocketAddress tcpAddress();

	/**
	 * Return the path of the unix socket listened on.
	 * @return the path, or {@code null} without a unix socket listener
	 */
	Path unixSocketPath();

	/**
	 * Return the accept queues of the listeners, as last read from the kernel (see
	 * {@link ListenQueueMonitor}).
	 * @return the queues, TCP first; empty when none can be read or the server is stopped
	 */
	default List<ListenQueue> listenQueues() {
		return List.of();
	}

}
