package io.github.uwsgispringboot.server;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw connection to a uwsgi server, TCP or unix socket, for tests that must see exactly how the
 * server ends the exchange: a response, the end of its output (EOF), a reset, or nothing within a
 * deadline. Every wait is bounded; nothing blocks without one.
 */
final class RawUwsgiConnection implements Closeable {

	/** How a read ended. */
	enum End {

		/** The server closed or shut down its output: an orderly end. */
		EOF,

		/** The server reset the connection. */
		RESET,

		/** The server neither sent more nor closed within the deadline. */
		TIMEOUT

	}

	/**
	 * What was read.
	 * @param bytes the bytes, as ISO-8859-1 text
	 * @param end how the read ended
	 * @param elapsed the time from the connection's start to the end of the read
	 */
	record Received(String bytes, End end, Duration elapsed) {
	}

	private final SocketChannel channel;

	private final Selector selector;

	private final long startNanos = System.nanoTime();

	private final ByteArrayOutputStream received = new ByteArrayOutputStream();

	private RawUwsgiConnection(SocketChannel channel) throws IOException {
		this.channel = channel;
		this.selector = Selector.open();
		channel.configureBlocking(false);
	}

	/**
	 * Connect to a TCP address or a unix socket.
	 * @param address an {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}
	 * @return the connection
	 * @throws IOException when the connection is refused
	 */
	static RawUwsgiConnection connect(SocketAddress address) throws IOException {
		SocketChannel channel = (address instanceof UnixDomainSocketAddress)
				? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
		try {
			channel.connect(address);
			return new RawUwsgiConnection(channel);
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * Return how the server names this connection's peer in its log lines: the client's address
	 * over TCP, the socket file over a unix socket.
	 * @param server the address connected to
	 * @return the peer as {@code UwsgiPeers} describes it
	 * @throws IOException when the connection is closed
	 */
	String peer(SocketAddress server) throws IOException {
		if (this.channel.getLocalAddress() instanceof InetSocketAddress local) {
			return local.getAddress().getHostAddress() + ":" + local.getPort();
		}
		return "unix socket " + server;
	}

	/**
	 * Write all of {@code bytes}, within {@code timeout}.
	 * @param bytes the bytes
	 * @param timeout the longest the server may keep the client from writing
	 * @throws IOException when the connection fails or the bytes could not be written in time
	 */
	void send(byte[] bytes, Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			if (this.channel.write(buffer) == 0 && !await(SelectionKey.OP_WRITE, deadline)) {
				throw new IOException("Could not write " + buffer.remaining() + " more bytes within " + timeout);
			}
		}
	}

	/**
	 * Signal the end of the request (FIN), as a client that sent all it had; the connection stays
	 * open for reading.
	 * @throws IOException when the connection fails
	 */
	void shutdownOutput() throws IOException {
		this.channel.shutdownOutput();
	}

	/**
	 * Read until the response's head and {@code Content-Length} bytes of body have arrived, the
	 * server ends the connection, or {@code timeout} passes.
	 * @param timeout the deadline
	 * @return what has been read so far on this connection
	 * @throws IOException when the selector fails
	 */
	Received readResponse(Duration timeout) throws IOException {
		return read(timeout, true);
	}

	/**
	 * Read until the server ends the connection, or {@code timeout} passes.
	 * @param timeout the deadline
	 * @return what has been read so far on this connection, and how the read ended
	 * @throws IOException when the selector fails
	 */
	Received readToEnd(Duration timeout) throws IOException {
		return read(timeout, false);
	}

	private Received read(Duration timeout, boolean untilResponseComplete) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		ByteBuffer buffer = ByteBuffer.allocate(8192);
		while (!(untilResponseComplete && isResponseComplete())) {
			int n;
			try {
				n = this.channel.read(buffer);
			}
			catch (SocketException ex) {
				return received(End.RESET);
			}
			if (n < 0) {
				return received(End.EOF);
			}
			if (n > 0) {
				this.received.write(buffer.array(), 0, n);
				buffer.clear();
			}
			else if (!await(SelectionKey.OP_READ, deadline)) {
				return received(End.TIMEOUT);
			}
		}
		return received(End.TIMEOUT);
	}

	private boolean isResponseComplete() {
		String response = this.received.toString(StandardCharsets.ISO_8859_1);
		int headEnd = response.indexOf("\r\n\r\n");
		if (headEnd < 0) {
			return false;
		}
		for (String line : response.substring(0, headEnd).split("\r\n")) {
			if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
				return response.length() - headEnd - 4 >= Long.parseLong(line.substring(15).strip());
			}
		}
		return false;
	}

	private Received received(End end) {
		return new Received(this.received.toString(StandardCharsets.ISO_8859_1), end,
				Duration.ofNanos(System.nanoTime() - this.startNanos));
	}

	/** Wait for {@code operation}: {@code false} once the deadline has passed. */
	private boolean await(int operation, long deadline) throws IOException {
		long left = deadline - System.nanoTime();
		if (left <= 0) {
			return false;
		}
		SelectionKey key = this.channel.register(this.selector, operation);
		try {
			this.selector.select(Math.max(1, Duration.ofNanos(left).toMillis()));
		}
		finally {
			key.interestOps(0);
			this.selector.selectedKeys().clear();
		}
		return true;
	}

	@Override
	public void close() throws IOException {
		try {
			this.selector.close();
		}
		finally {
			this.channel.close();
		}
	}

}
