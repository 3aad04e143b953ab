package io.github.uwsgispringboot.protocol;

import java.util.List;
import java.util.function.Supplier;

/**
 * Told what happens on the connections of a uwsgi server, the Netty server or the Tomcat connector
 * alike: metrics and the access log are listeners. Called on the servers' I/O threads:
 * implementations must be fast and must not block.
 */
public interface UwsgiServerListener {

	/**
	 * A connection was accepted.
	 * @param transport {@code tcp} or {@code unix}
	 */
	default void connectionOpened(String transport) {
	}

	/**
	 * A connection was closed.
	 * @param transport {@code tcp} or {@code unix}
	 */
	default void connectionClosed(String transport) {
	}

	/**
	 * A packet was refused as malformed or unsupported.
	 * @param transport {@code tcp} or {@code unix}
	 * @param reason why it was refused
	 */
	default void packetRejected(String transport, UwsgiProtocolException.Reason reason) {
	}

	/**
	 * A response was written completely.
	 * @param exchange the request and its response
	 */
	default void exchangeCompleted(UwsgiExchange exchange) {
	}

	/**
	 * A response was cut short: its head was sent and its connection ended before its end was
	 * written, because the application failed while writing it, the request timeout cut it, or
	 * the peer went away. The proxy was told where it could be (a reset over TCP).
	 * @param exchange the request and the part of its response that was sent
	 */
	default void exchangeFailed(UwsgiExchange exchange) {
	}

	/**
	 * A request took longer than the request timeout and was cancelled (see
	 * {@link UwsgiRequestTimeout}).
	 * @param transport {@code tcp} or {@code unix}
	 */
	default void requestTimedOut(String transport) {
	}

	/**
	 * The server reads the accept queue of its listener of a transport, and goes on reading it
	 * while it listens (see {@link ListenQueueMonitor}). Told once per start, for each transport
	 * whose queue can be read.
	 * @param transport {@code tcp} or {@code unix}
	 * @param queue what was read last, {@code null} once the server has stopped or when a read failed
	 */
	default void listenQueueWatched(String transport, Supplier<ListenQueue> queue) {
	}

	/**
	 * Return a listener that tells each of {@code listeners}, in order.
	 * @param listeners the listeners
	 * @return one listener for all of them
	 */
	static UwsgiServerListener all(List<? extends UwsgiServerListener> listeners) {
		List<UwsgiServerListener> all = List.copyOf(listeners);
		return new UwsgiServerListener() {

			@Override
			public void connectionOpened(String transport) {
				all.forEach((listener) -> listener.connectionOpened(transport));
			}

			@Override
			public void connectionClosed(String transport) {
				all.forEach((listener) -> listener.connectionClosed(transport));
			}

			@Override
			public void packetRejected(String transport, UwsgiProtocolException.Reason reason) {
				all.forEach((listener) -> listener.packetRejected(transport, reason));
			}

			@Override
			public void exchangeCompleted(UwsgiExchange exchange) {
				all.forEach((listener) -> listener.exchangeCompleted(exchange));
			}

			@Override
			public void exchangeFailed(UwsgiExchange exchange) {
				all.forEach((listener) -> listener.exchangeFailed(exchange));
			}

			@Override
			public void requestTimedOut(String transport) {
				all.forEach((listener) -> listener.requestTimedOut(transport));
			}

			@Override
			public void listenQueueWatched(String transport, Supplier<ListenQueue> queue) {
				all.forEach((listener) -> listener.listenQueueWatched(transport, queue));
			}

		};
	}

}
