package io.github.uwsgispringboot.server;

import io.github.uwsgispringboot.codec.UwsgiDecoderException;

/**
 * Told what happens on the connections of a {@link UwsgiServer}: metrics and the access log are
 * listeners. Called on Netty event loop threads: implementations must be fast and must not block.
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
	default void packetRejected(String transport, UwsgiDecoderException.Reason reason) {
	}

	/**
	 * A response was written completely.
	 * @param exchange the request and its response
	 */
	default void exchangeCompleted(UwsgiExchange exchange) {
	}

}
