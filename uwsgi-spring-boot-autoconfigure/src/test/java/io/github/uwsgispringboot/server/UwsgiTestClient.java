package io.github.uwsgispringboot.server;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import io.github.uwsgispringboot.codec.UwsgiRequestEncoder;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * A raw uwsgi client for tests, over TCP or a unix socket: sends packets built with
 * {@link UwsgiRequestEncoder} and reads the response until the server closes the connection.
 * Every wait is bounded.
 */
public final class UwsgiTestClient implements Closeable {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final SocketChannel channel;

	private UwsgiTestClient(SocketChannel channel) {
		this.channel = channel;
	}

	/**
	 * Connect over TCP.
	 * @param address the server's address
	 * @return a connected client
	 * @throws IOException when the connection is refused
	 */
	public static UwsgiTestClient connect(InetSocketAddress address) throws IOException {
		return new UwsgiTestClient(SocketChannel.open(address));
	}

	/**
	 * Connect over a unix socket.
	 * @param path the socket file
	 * @return a connected client
	 * @throws IOException when the connection is refused
	 */
	public static UwsgiTestClient connect(Path path) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(path));
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
		return new UwsgiTestClient(channel);
	}

	/**
	 * Send a request and read the whole response.
	 * @param address the server's address
	 * @param vars the vars of the request
	 * @param body the body, {@code CONTENT_LENGTH} bytes
	 * @return the response, as ISO-8859-1 text
	 * @throws IOException on a connection failure
	 */
	public static String exchange(InetSocketAddress address, UwsgiVars vars, String body) throws IOException {
		try (UwsgiTestClient client = connect(address)) {
			client.send(packet(vars, body));
			return client.readResponse();
		}
	}

	/**
	 * Send a request over a unix socket and read the whole response.
	 * @param path the socket file
	 * @param vars the vars of the request
	 * @param body the body, {@code CONTENT_LENGTH} bytes
	 * @return the response, as ISO-8859-1 text
	 * @throws IOException on a connection failure
	 */
	public static String exchange(Path path, UwsgiVars vars, String body) throws IOException {
		try (UwsgiTestClient client = connect(path)) {
			client.send(packet(vars, body));
			return client.readResponse();
		}
	}

	/**
	 * Encode a request packet.
	 * @param vars the vars
	 * @param body the body, ISO-8859-1
	 * @return the bytes of the packet
	 */
	public static byte[] packet(UwsgiVars vars, String body) {
		ByteBuf packet = Unpooled.buffer();
		try {
			UwsgiRequestEncoder.encode(vars, packet);
			packet.writeCharSequence(body, StandardCharsets.ISO_8859_1);
			return ByteBufUtil.getBytes(packet);
		}
		finally {
			packet.release();
		}
	}

	/**
	 * Return the body of a response.
	 * @param response the whole response
	 * @return what follows the head
	 */
	public static String body(String response) {
		int end = response.indexOf("\r\n\r\n");
		return (end >= 0) ? response.substring(end + 4) : "";
	}

	/**
	 * Write bytes, all of them.
	 * @param bytes the bytes
	 * @throws IOException when the connection fails, for example because it was reset
	 */
	public void send(byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			this.channel.write(buffer);
		}
	}

	/**
	 * Read until the server closes its side of the connection.
	 * @return what was read, as ISO-8859-1 text
	 * @throws IOException when the connection fails, for example because it was reset, or the
	 * server did not close within the timeout
	 */
	public String readResponse() throws IOException {
		CompletableFuture<String> response = CompletableFuture.supplyAsync(this::readToEnd,
				(read) -> new Thread(read, "uwsgi-test-client-read").start());
		try {
			return response.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			close();
			throw new IOException("No end of response within " + TIMEOUT, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException(ex);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof UncheckedIOException io) ? io.getCause() : new IOException(ex.getCause());
		}
	}

	private String readToEnd() {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		ByteBuffer buffer = ByteBuffer.allocate(8192);
		try {
			while (this.channel.read(buffer) >= 0) {
				received.write(buffer.array(), 0, buffer.position());
				buffer.clear();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return received.toString(StandardCharsets.ISO_8859_1);
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

}
