package io.github.uwsgispringboot.tomcat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.github.uwsgispringboot.tomcat.UwsgiPackets.ascii;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A graceful stop as Spring Boot does it: {@code Connector.pause()}, the requests in flight finish,
 * then the stop.
 */
class UwsgiGracefulStopTests {

	/** How many connections wait in the accept queue when the connector is paused. */
	private static final int QUEUED = 40;

	private static final byte[] SLOW_UPLOAD = request("REQUEST_METHOD", "POST", "REQUEST_URI", "/upload",
			"CONTENT_LENGTH", "10");

	@Test
	void pausedUnixSocketListenerRemovesItsFileFirstAndFinishesTheRequestsInFlight(@TempDir Path directory)
			throws Exception {
		Path socket = directory.resolve("uwsgi.sock");
		UwsgiTomcat server = new UwsgiTomcat((c) -> c.setProperty("unixDomainSocketPath", socket.toString())).start();
		try (SocketChannel inFlight = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			inFlight.connect(UnixDomainSocketAddress.of(socket));
			inFlight.write(ByteBuffer.wrap(SLOW_UPLOAD));
			inFlight.write(ByteBuffer.wrap(ascii("hello")));
			UwsgiConnectionTests.await(() -> server.listener.opened.get() == 1);
			server.connector.pause();
			assertThat(directory).isEmptyDirectory();
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> {
				try (SocketChannel late = SocketChannel.open(StandardProtocolFamily.UNIX)) {
					late.connect(UnixDomainSocketAddress.of(socket));
				}
			});
			// what a graceful stop waits on (Tomcat's own count is -1 once paused)
			assertThat(server.connector.getProtocolHandler()).extracting("connectionCount").isEqualTo(1L);
			inFlight.write(ByteBuffer.wrap(ascii("world")));
			String reply = readToEnd(inFlight);
			assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").endsWith("received 10: helloworld");
		}
		UwsgiConnectionTests.await(() -> ((UwsgiNioProtocol) server.connector.getProtocolHandler())
			.getConnectionCount() == 0);
		server.close();
		assertThat(directory).isEmptyDirectory();
		assertThat(connectorThreads(server)).isEmpty();
		assertThat(server.listener.opened).hasValue(1);
		assertThat(server.listener.closed).hasValue(1);
	}

	@Test
	void pausedTcpListenerRefusesNewConnectionsAndFinishesTheRequestsInFlight() throws Exception {
		UwsgiTomcat server = new UwsgiTomcat((c) -> {
		}).start();
		int port = server.port();
		assertThat(liveConnectorThreads()).isNotEmpty();
		try (RawClient inFlight = server.client()) {
			inFlight.send(SLOW_UPLOAD, ascii("hello"));
			UwsgiConnectionTests.await(() -> server.listener.opened.get() == 1);
			server.connector.pause();
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> new RawClient(port).close());
			RawClient.Reply reply = inFlight.send(ascii("world")).readToEnd();
			assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
			assertThat(reply.body()).isEqualTo("received 10: helloworld");
		}
		server.close();
		assertThat(connectorThreads(server)).isEmpty();
	}

	@Test
	void pausedUnixSocketListenerServesEveryConnectionQueuedBeforeItsFileWentAway(@TempDir Path directory)
			throws Exception {
		Path socket = directory.resolve("uwsgi.sock");
		UwsgiTomcat server = new UwsgiTomcat((c) -> {
			c.setProperty("unixDomainSocketPath", socket.toString());
			c.setProperty("maxConnections", "2");
		}).start();
		servesEveryQueuedConnection(server, UnixDomainSocketAddress.of(socket));
		assertThat(directory).isEmptyDirectory();
	}

	@Test
	void pausedTcpListenerServesEveryConnectionQueuedBeforeItClosed() throws Exception {
		UwsgiTomcat server = new UwsgiTomcat((c) -> c.setProperty("maxConnections", "2")).start();
		servesEveryQueuedConnection(server, new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
	}

	/**
	 * The connection limit is reached (two slow uploads) and {@value #QUEUED} connections, each with
	 * a whole request sent, wait in the listener's accept queue, as the connections a proxy opened
	 * to a busy instance do, when Spring Boot's graceful shutdown ({@code pause()} then
	 * {@code closeServerSocketGraceful()}) and the uwsgi connectors' own stop ({@code pause()})
	 * pause the connector at once. Every one of them is answered, none is reset, and the listener
	 * refuses new connections once the pauses return.
	 */
	private static void servesEveryQueuedConnection(UwsgiTomcat server, SocketAddress address) throws Exception {
		List<SocketChannel> inFlight = new ArrayList<>();
		List<SocketChannel> queued = new ArrayList<>();
		ExecutorService pausing = Executors.newFixedThreadPool(2);
		try {
			for (int i = 0; i < 2; i++) {
				SocketChannel upload = SocketChannel.open(address);
				inFlight.add(upload);
				upload.write(ByteBuffer.wrap(SLOW_UPLOAD));
				upload.write(ByteBuffer.wrap(ascii("hello")));
			}
			UwsgiConnectionTests.await(() -> server.listener.opened.get() == 2);
			for (int i = 0; i < QUEUED; i++) {
				SocketChannel waiting = SocketChannel.open(address);
				queued.add(waiting);
				waiting.write(ByteBuffer.wrap(request("REQUEST_METHOD", "POST", "REQUEST_URI", "/queued/" + i)));
			}
			Thread.sleep(100);
			assertThat(server.listener.opened).as("accepted past the connection limit").hasValue(2);
			UwsgiNioProtocol protocol = (UwsgiNioProtocol) server.connector.getProtocolHandler();
			Future<?> springBoot = pausing.submit(() -> {
				server.connector.pause();
				protocol.closeServerSocketGraceful();
				return null;
			});
			Future<?> uwsgiConnectors = pausing.submit(() -> {
				server.connector.pause();
				return null;
			});
			springBoot.get();
			uwsgiConnectors.get();
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> SocketChannel.open(address).close());
			for (SocketChannel upload : inFlight) {
				upload.write(ByteBuffer.wrap(ascii("world")));
				assertThat(readToEnd(upload)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("received 10: helloworld");
			}
			for (int i = 0; i < QUEUED; i++) {
				assertThat(readToEnd(queued.get(i))).as("queued connection %d", i)
					.startsWith("HTTP/1.1 200 OK\r\n")
					.contains("uri=/queued/" + i + "\n");
			}
			UwsgiConnectionTests.await(() -> protocol.getConnectionCount() == 0);
		}
		finally {
			pausing.shutdownNow();
			for (SocketChannel channel : inFlight) {
				channel.close();
			}
			for (SocketChannel channel : queued) {
				channel.close();
			}
			server.close();
		}
		assertThat(server.listener.opened).hasValue(2 + QUEUED);
		assertThat(server.listener.closed).hasValue(2 + QUEUED);
	}

	@Test
	void stopWithoutPauseLeavesNoSocketFileAndTheNextStartBindsAgain(@TempDir Path directory) throws Exception {
		Path socket = directory.resolve("uwsgi.sock");
		UwsgiTomcat server = new UwsgiTomcat((c) -> c.setProperty("unixDomainSocketPath", socket.toString())).start();
		server.connector.stop();
		assertThat(directory).isEmptyDirectory();
		server.connector.start();
		assertThat(socket).exists();
		server.close();
		assertThat(directory).isEmptyDirectory();
	}

	@Test
	void stopAfterPauseLeavesAFileANewInstanceCreatedAtThePath(@TempDir Path directory) throws Exception {
		Path socket = directory.resolve("uwsgi.sock");
		UwsgiTomcat server = new UwsgiTomcat((c) -> c.setProperty("unixDomainSocketPath", socket.toString())).start();
		server.connector.pause();
		Files.createFile(socket); // the next instance of a rolling restart, bound while this one drains
		server.close();
		assertThat(socket).exists();
	}

	/** The threads of the uwsgi connector: its acceptor, poller and workers are named after it. */
	private static Stream<Thread> connectorThreads(UwsgiTomcat server) throws InterruptedException {
		for (int i = 0; i < 100 && liveConnectorThreads().findAny().isPresent(); i++) {
			Thread.sleep(50);
		}
		return liveConnectorThreads();
	}

	private static Stream<Thread> liveConnectorThreads() {
		return Thread.getAllStackTraces().keySet().stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("uwsgi-nio-"));
	}

	private static String readToEnd(SocketChannel channel) throws IOException {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		ByteBuffer buffer = ByteBuffer.allocate(8192);
		try {
			while (channel.read(buffer.clear()) != -1) {
				received.write(buffer.array(), 0, buffer.position());
			}
		}
		catch (SocketException ex) {
			// a reset: what arrived before it is the answer
		}
		return received.toString(StandardCharsets.ISO_8859_1);
	}

}
