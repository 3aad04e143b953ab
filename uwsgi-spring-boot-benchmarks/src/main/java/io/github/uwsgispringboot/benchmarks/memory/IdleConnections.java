package io.github.uwsgispringboot.benchmarks.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds idle connections to a uwsgi listener, as nginx does between opening a connection and
 * sending the request on it: opens them, sends nothing, keeps them until told to let go, and checks
 * that the server closed none of them meanwhile. {@code scripts/memory.sh} measures the server's
 * heap while they are held.
 * <p>
 * Usage: {@code IdleConnections <host:port | unix socket path> [count, 10000]}. Once every
 * connection is open it prints {@code holding <count> connections}; a line or the end of standard
 * input lets them go: it checks them again, closes them, and exits with status 1 when the server
 * closed or answered any of them.
 */
public final class IdleConnections {

	/** Connections opened when the command line does not say. */
	static final int DEFAULT_COUNT = 10_000;

	private final List<SocketChannel> connections = new ArrayList<>();

	public static void main(String[] args) throws IOException {
		if (args.length < 1 || args.length > 2) {
			System.err.println("Usage: IdleConnections <host:port | unix socket path> [count]");
			System.exit(2);
		}
		SocketAddress address = address(args[0]);
		int count = (args.length > 1) ? Integer.parseInt(args[1]) : DEFAULT_COUNT;
		IdleConnections idle = new IdleConnections();
		Check held;
		try {
			long start = System.nanoTime();
			idle.open(address, count);
			System.out.printf("opened %d connections to %s in %d ms%n", count, args[0],
					(System.nanoTime() - start) / 1_000_000);
			Check opened = idle.check();
			System.out.println("holding " + count + " connections (" + opened + ")");
			new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
			held = idle.check();
			System.out.println("releasing " + count + " connections (" + held + ")");
		}
		finally {
			idle.close();
		}
		if (held.open() != count) {
			System.exit(1);
		}
	}

	/**
	 * Parse a listener's address: a path (it contains a {@code /}) is a unix socket, anything else
	 * {@code host:port}.
	 * @param address the address as written on the command line
	 * @return the socket address
	 */
	static SocketAddress address(String address) {
		if (address.contains("/")) {
			return UnixDomainSocketAddress.of(address);
		}
		int colon = address.lastIndexOf(':');
		return new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
	}

	/**
	 * Open {@code count} more connections to {@code address}, one after the other, and leave them
	 * idle.
	 * @param address the listener
	 * @param count how many
	 * @throws IOException when one cannot be opened
	 */
	void open(SocketAddress address, int count) throws IOException {
		for (int i = 0; i < count; i++) {
			SocketChannel connection = (address instanceof UnixDomainSocketAddress)
					? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
			this.connections.add(connection);
			connection.connect(address);
			connection.configureBlocking(false);
		}
	}

	/**
	 * Find out, without waiting, which connections the server still holds open: a read returns 0
	 * on an open connection with nothing to read, -1 once the server closed it, some bytes when it
	 * answered, and fails on a reset.
	 * @return how many are open, closed and answered
	 */
	Check check() {
		ByteBuffer buffer = ByteBuffer.allocate(1);
		int open = 0;
		int closed = 0;
		int answered = 0;
		for (SocketChannel connection : this.connections) {
			buffer.clear();
			int read;
			try {
				read = connection.read(buffer);
			}
			catch (IOException ex) {
				read = -1;
			}
			if (read == 0) {
				open++;
			}
			else if (read < 0) {
				closed++;
			}
			else {
				answered++;
			}
		}
		return new Check(open, closed, answered);
	}

	/**
	 * Close every connection.
	 */
	void close() {
		for (SocketChannel connection : this.connections) {
			try {
				connection.close();
			}
			catch (IOException ex) {
				// closing: nothing left to do with it
			}
		}
		this.connections.clear();
	}

	/**
	 * What a check found.
	 * @param open connections with nothing to read
	 * @param closed connections the server closed or reset
	 * @param answered connections the server sent something on
	 */
	record Check(int open, int closed, int answered) {

		@Override
		public String toString() {
			return this.open + " open, " + this.closed + " closed by the server, " + this.answered + " answered";
		}

	}

}
