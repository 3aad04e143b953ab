package io.github.uwsgispringboot.protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link ProcNetSockets} and {@link SsUnixQueues} on real listeners of this JVM: the
 * kernel's own {@code /proc} tables and {@code ss} output, read back.
 */
@EnabledOnOs(OS.LINUX)
class ProcNetSocketsTests {

	private final ProcNetSockets sockets = new ProcNetSockets(ProcNetSockets.PROC_NET, ProcNetSockets.FDS);

	private final List<AutoCloseable> opened = new ArrayList<>();

	@TempDir
	Path temp;

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable channel : this.opened) {
			channel.close();
		}
	}

	@Test
	void tcpListenerIsFoundByItsAddressAndItsQueueCountsTheConnectionsNotAccepted() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
		InetSocketAddress bound = (InetSocketAddress) listener.getLocalAddress();
		connect(bound, 3);
		ProcNetSockets.TcpListener found = this.sockets.tcpListener(bound);
		assertThat(found.inode()).isPositive();
		assertThat(this.sockets.socketInodes()).contains(found.inode());
		assertThat(this.sockets.acceptQueue(found)).isEqualTo(3);
		this.opened.add(listener.accept());
		assertThat(this.sockets.acceptQueue(found)).isEqualTo(2);
	}

	@Test
	void ipv6ListenerIsFoundInTcp6() throws Exception {
		InetAddress ipv6Loopback = InetAddress.getByName("::1");
		ServerSocketChannel listener;
		try {
			listener = listen(new InetSocketAddress(ipv6Loopback, 0), 5);
		}
		catch (IOException ex) {
			Assumptions.abort("no IPv6 loopback: " + ex);
			return;
		}
		InetSocketAddress bound = (InetSocketAddress) listener.getLocalAddress();
		connect(bound, 1);
		ProcNetSockets.TcpListener found = this.sockets.tcpListener(bound);
		assertThat(found.table()).isEqualTo("tcp6");
		assertThat(this.sockets.acceptQueue(found)).isEqualTo(1);
	}

	@Test
	void listenerOfAnotherAddressOrAClosedOneIsNotFound() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
		InetSocketAddress bound = (InetSocketAddress) listener.getLocalAddress();
		ProcNetSockets.TcpListener found = this.sockets.tcpListener(bound);
		assertThat(this.sockets.tcpListener(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), bound.getPort())))
			.as("same port, another address")
			.isNull();
		listener.close();
		assertThat(this.sockets.tcpListener(bound)).isNull();
		assertThat(this.sockets.acceptQueue(found)).isEqualTo(-1);
	}

	@Test
	void lineOfThisProcessesListenerParsesToItsAddressPortStateAndInode() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
		InetSocketAddress bound = (InetSocketAddress) listener.getLocalAddress();
		long inode = this.sockets.tcpListener(bound).inode();
		String line = linesOf("tcp", "tcp6").stream()
			.filter((candidate) -> candidate.trim().split("\\s+")[9].equals(Long.toString(inode)))
			.findFirst()
			.orElseThrow();
		ProcNetSockets.TcpSocket socket = ProcNetSockets.TcpSocket.parse(line);
		assertThat(socket.address()).isEqualTo(bound.getAddress());
		assertThat(socket.port()).isEqualTo(bound.getPort());
		assertThat(socket.isListening()).isTrue();
		assertThat(socket.receiveQueue()).isZero();
	}

	@Test
	void kernelListsListenersBeforeOtherSockets() throws Exception {
		ServerSocketChannel listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
		connect(listener.getLocalAddress(), 2);
		this.opened.add(listener.accept());
		String ours = this.sockets.tcpListener((InetSocketAddress) listener.getLocalAddress()).table();
		for (String table : new String[] { "tcp", "tcp6" }) {
			List<String> states = linesOf(table).stream()
				.map((line) -> ProcNetSockets.TcpSocket.parse(line).state())
				.toList();
			int firstOther = IntStream.range(0, states.size())
				.filter((i) -> !"0A".equals(states.get(i)))
				.findFirst()
				.orElse(states.size());
			assertThat(states.lastIndexOf("0A")).as("last listener of " + table + " before its first other socket")
				.isLessThan(firstOther);
			if (table.equals(ours)) {
				assertThat(states).as("our listener and its connections in " + table).contains("0A", "01");
			}
		}
	}

	@Test
	void linesAsThisKernelWroteThemParse() {
		// a listener on 127.0.0.1:45609 with 3 connections queued, from /proc/net/tcp (x86-64)
		assumeThat(java.nio.ByteOrder.nativeOrder()).isEqualTo(java.nio.ByteOrder.LITTLE_ENDIAN);
		ProcNetSockets.TcpSocket ipv4 = ProcNetSockets.TcpSocket
			.parse("   1: 0100007F:B229 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 "
					+ "23436721 4 000000003a74b071 100 0 0 10 0");
		assertThat(ipv4).isEqualTo(new ProcNetSockets.TcpSocket(InetAddress.getLoopbackAddress(), 45609, "0A", 3,
				23436721));
		// the same listener bound by a JDK's IPv6 socket: IPv4-mapped in /proc/net/tcp6
		ProcNetSockets.TcpSocket mapped = ProcNetSockets.TcpSocket
			.parse("   0: 0000000000000000FFFF00000100007F:B229 00000000000000000000000000000000:0000 0A "
					+ "00000000:0000000C 00:00000000 00000000  1000        0 23436722 1 0000000000000000 100 0 0 10 0");
		assertThat(mapped.address()).isEqualTo(InetAddress.getLoopbackAddress());
		assertThat(mapped.receiveQueue()).isEqualTo(12);
	}

	@Test
	void unixListenerIsFoundByItsPathAndSsTellsItsQueueAndBacklog() throws Exception {
		SsUnixQueues ss = SsUnixQueues.find();
		assumeThat(ss).as("ss from iproute2 installed").isNotNull();
		Path path = this.temp.resolve("queue.sock");
		ServerSocketChannel listener = listen(UnixDomainSocketAddress.of(path), 4);
		connect(UnixDomainSocketAddress.of(path), 2);
		long inode = this.sockets.unixListener(path);
		assertThat(inode).isPositive();
		assertThat(this.sockets.socketInodes()).contains(inode);
		assertThat(ss.read(inode, path)).containsExactly(2, 4);
		this.opened.add(listener.accept());
		assertThat(ss.read(inode, path)).containsExactly(1, 4);
	}

	@Test
	void unixSocketFileOfAnotherPathIsNotFound() throws Exception {
		listen(UnixDomainSocketAddress.of(this.temp.resolve("one.sock")), 4);
		assertThat(this.sockets.unixListener(this.temp.resolve("other.sock"))).isEqualTo(-1);
	}

	@Test
	void ssLinesAreReadByInodeWhateverThePath() {
		String listing = """
				Netid State  Recv-Q Send-Q  Local Address:Port  Peer Address:Port Process
				u_str LISTEN 0      4096    /run/other.sock 1111 * 0
				u_str LISTEN 7      1024    /run/my app/uwsgi.sock 2222 * 0
				""";
		assertThat(SsUnixQueues.parse(listing, 2222)).containsExactly(7, 1024);
		assertThat(SsUnixQueues.parse(listing, 3333)).isNull();
	}

	private ServerSocketChannel listen(java.net.SocketAddress address, int backlog) throws IOException {
		ServerSocketChannel listener = (address instanceof UnixDomainSocketAddress)
				? ServerSocketChannel.open(StandardProtocolFamily.UNIX) : ServerSocketChannel.open();
		this.opened.add(listener);
		listener.bind(address, backlog);
		return listener;
	}

	private void connect(java.net.SocketAddress address, int count) throws IOException {
		for (int i = 0; i < count; i++) {
			this.opened.add(SocketChannel.open(address));
		}
	}

	private static List<String> linesOf(String... tables) throws IOException {
		List<String> lines = new ArrayList<>();
		for (String table : tables) {
			List<String> all = Files.readAllLines(ProcNetSockets.PROC_NET.resolve(table));
			lines.addAll(all.subList(1, all.size()));
		}
		return lines;
	}

}
