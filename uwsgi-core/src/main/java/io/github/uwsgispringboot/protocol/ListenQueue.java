package io.github.uwsgispringboot.protocol;

/**
 * The accept queue of a listening socket as the kernel last told it: the connections it holds,
 * complete, that the server has not accepted yet, and how many it may hold.
 *
 * @param listener the listener, as log lines name it ({@code tcp 127.0.0.1:3031},
 * {@code unix:/run/app/uwsgi.sock})
 * @param transport {@code tcp} or {@code unix}
 * @param length the connections waiting to be accepted
 * @param limit the backlog the kernel keeps to (it queues one connection more before it turns
 * connections away)
 */
public record ListenQueue(String listener, String transport, int length, int limit) {

	/**
	 * Return whether new connections are turned away: a TCP client's handshake is dropped and
	 * retried a second later, a unix socket client is refused.
	 * @return {@code true} when the queue holds its limit or more
	 */
	public boolean isFull() {
		return this.length >= this.limit;
	}

}
