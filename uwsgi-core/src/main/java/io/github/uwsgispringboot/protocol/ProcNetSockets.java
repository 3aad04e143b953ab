package io.github.uwsgispringboot.protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads this process's listening sockets from Linux's {@code /proc}: which socket (by inode) is
 * the listener of an address or a unix socket path, and how many connections wait in a TCP
 * listener's accept queue.
 * <p>
 * {@code /proc/net/tcp} and {@code tcp6} list every TCP socket of the network namespace, listeners
 * first. For a listener ({@code st} {@code 0A}), {@code rx_queue} is the accept queue's length;
 * {@code tx_queue} is not its limit (it is 0). {@code /proc/net/unix} has no queue at all. A socket
 * is this process's when one of its descriptors links to {@code socket:[inode]} in
 * {@code /proc/self/fd}: another process may listen on the same port ({@code SO_REUSEPORT}) or
 * have bound the same path.
 */
final class ProcNetSockets {

	/** The network namespace's socket tables, as this process sees them. */
	static final Path PROC_NET = Path.of("/proc/self/net");

	/** This process's open descriptors. */
	static final Path FDS = Path.of("/proc/self/fd");

	private static final String TCP_LISTEN = "0A";

	/** {@code __SO_ACCEPTCON} in the flags of {@code /proc/net/unix}: a listening socket. */
	private static final int UNIX_ACCEPTING = 0x10000;

	private static final String SOCK_STREAM = "0001";

	private final Path procNet;

	private final Path fds;

	ProcNetSockets(Path procNet, Path fds) {
		this.procNet = procNet;
		this.fds = fds;
	}

	/**
	 * Return whether the socket tables can be read: Linux, with {@code /proc} mounted.
	 * @return {@code true} when they can
	 */
	boolean isReadable() {
		return Files.isReadable(this.procNet.resolve("tcp"));
	}

	/**
	 * Return this process's TCP listener bound to {@code address}.
	 * @param address the bound address and port (an IPv4 address matches its IPv4-mapped form
	 * on an IPv6 socket)
	 * @return the listener, or {@code null} when this process has no such listener
	 * @throws IOException when {@code /proc} cannot be read
	 */
	TcpListener tcpListener(InetSocketAddress address) throws IOException {
		Set<Long> owned = null;
		for (String table : new String[] { "tcp", "tcp6" }) {
			for (TcpSocket socket : listeners(table, -1)) {
				if (socket.port() == address.getPort() && sameAddress(socket.address(), address.getAddress())) {
					owned = (owned != null) ? owned : socketInodes();
					if (owned.contains(socket.inode())) {
						return new TcpListener(table, socket.inode());
					}
				}
			}
		}
		return null;
	}

	/**
	 * Return the length of the accept queue of a TCP listener.
	 * @param listener the listener
	 * @return the connections waiting, or -1 when the listener is gone
	 * @throws IOException when {@code /proc} cannot be read
	 */
	int acceptQueue(TcpListener listener) throws IOException {
		List<TcpSocket> found = listeners(listener.table(), listener.inode());
		return found.isEmpty() ? -1 : found.get(found.size() - 1).receiveQueue();
	}

	/**
	 * Read the listeners of a table. The kernel lists a table's listeners before its other sockets
	 * (its listening hash, then the established one), so reading stops at the first other socket:
	 * the cost stays that of the listeners, however many connections the table holds (the whole
	 * table of a busy machine, tens of thousands of lines, takes tens of milliseconds to read).
	 * @param table {@code tcp} or {@code tcp6}
	 * @param inode the listener to stop at, or -1 to read them all
	 * @return the listeners read, ending with the one of {@code inode} when it was found
	 */
	private List<TcpSocket> listeners(String table, long inode) throws IOException {
		List<TcpSocket> listeners = new ArrayList<>();
		try (BufferedReader lines = Files.newBufferedReader(this.procNet.resolve(table))) {
			lines.readLine();
			String line;
			while ((line = lines.readLine()) != null) {
				TcpSocket socket = TcpSocket.parse(line);
				if (!socket.isListening()) {
					break;
				}
				listeners.add(socket);
				if (socket.inode() == inode) {
					return listeners;
				}
			}
		}
		return (inode < 0) ? listeners : List.of();
	}

	/**
	 * Return the inode of this process's unix socket listener bound to {@code path}.
	 * @param path the socket's path
	 * @return the inode, or -1 when this process has no such listener
	 * @throws IOException when {@code /proc} cannot be read
	 */
	long unixListener(Path path) throws IOException {
		Path wanted = path.toAbsolutePath().normalize();
		List<Long> candidates = new ArrayList<>();
		try (BufferedReader lines = Files.newBufferedReader(this.procNet.resolve("unix"))) {
			lines.readLine();
			String line;
			while ((line = lines.readLine()) != null) {
				String[] fields = line.trim().split("\\s+", 8);
				if (fields.length == 8 && (Integer.parseInt(fields[3], 16) & UNIX_ACCEPTING) != 0
						&& SOCK_STREAM.equals(fields[4]) && !fields[7].startsWith("@")
						&& Path.of(fields[7]).toAbsolutePath().normalize().equals(wanted)) {
					candidates.add(Long.parseLong(fields[6]));
				}
			}
		}
		return ownedOf(candidates);
	}

	/**
	 * Whether a listener's address is the one asked for: the JDK binds the IPv4 any-address as
	 * the IPv6 one ({@code ::}) on a dual-stack socket.
	 */
	private static boolean sameAddress(InetAddress listening, InetAddress bound) {
		return listening.equals(bound) || (listening.isAnyLocalAddress() && bound.isAnyLocalAddress());
	}

	/** The first of {@code inodes} one of this process's descriptors is, or -1. */
	private long ownedOf(List<Long> inodes) throws IOException {
		if (inodes.isEmpty()) {
			return -1;
		}
		Set<Long> owned = socketInodes();
		return inodes.stream().filter(owned::contains).findFirst().orElse(-1L);
	}

	/**
	 * Return the inodes of the sockets this process has descriptors of.
	 * @return the inodes
	 * @throws IOException when the descriptors cannot be listed
	 */
	Set<Long> socketInodes() throws IOException {
		Set<Long> inodes = new HashSet<>();
		try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(this.fds)) {
			for (Path descriptor : descriptors) {
				String target;
				try {
					target = Files.readSymbolicLink(descriptor).toString();
				}
				catch (IOException ex) {
					// closed since it was listed
					continue;
				}
				if (target.startsWith("socket:[") && target.endsWith("]")) {
					inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
				}
			}
		}
		return inodes;
	}

	/**
	 * A TCP listener of this process.
	 *
	 * @param table the table it is listed in, {@code tcp} or {@code tcp6}
	 * @param inode its socket's inode
	 */
	record TcpListener(String table, long inode) {
	}

	/**
	 * A line of {@code /proc/net/tcp} or {@code tcp6}:
	 * {@code sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...},
	 * addresses in hexadecimal, each 32-bit word of an address in the host's byte order.
	 *
	 * @param address the local address
	 * @param port the local port
	 * @param state the TCP state, {@code 0A} for a listener
	 * @param receiveQueue {@code rx_queue}: for a listener, its accept queue's length
	 * @param inode the socket's inode
	 */
	record TcpSocket(InetAddress address, int port, String state, int receiveQueue, long inode) {

		static TcpSocket parse(String line) {
			String[] fields = line.trim().split("\\s+");
			if (fields.length < 10) {
				throw new IllegalArgumentException("Not a line of /proc/net/tcp: " + line);
			}
			int colon = fields[1].indexOf(':');
			String queues = fields[4];
			return new TcpSocket(address(fields[1].substring(0, colon)),
					Integer.parseInt(fields[1].substring(colon + 1), 16), fields[3],
					Integer.parseUnsignedInt(queues.substring(queues.indexOf(':') + 1), 16), Long.parseLong(fields[9]));
		}

		boolean isListening() {
			return TCP_LISTEN.equals(this.state);
		}

		private static InetAddress address(String hex) {
			ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(ByteOrder.nativeOrder());
			for (int word = 0; word < hex.length(); word += 8) {
				bytes.putInt(Integer.parseUnsignedInt(hex.substring(word, word + 8), 16));
			}
			try {
				// an IPv4-mapped IPv6 address comes back as its IPv4 address
				return InetAddress.getByAddress(bytes.array());
			}
			catch (UnknownHostException ex) {
				throw new IllegalArgumentException("Not an address of /proc/net/tcp: " + hex, ex);
			}
		}

	}

}
