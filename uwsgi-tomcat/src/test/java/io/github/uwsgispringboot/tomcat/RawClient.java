package io.github.uwsgispringboot.tomcat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A uwsgi peer over a raw TCP connection: writes bytes, reads everything until the server closes,
 * and tells a clean close (FIN) from a reset.
 */
final class RawClient implements AutoCloseable {

	private final Socket socket;

	RawClient(int port) throws IOException {
		this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
		this.socket.setSoTimeout(10_000);
	}

	RawClient send(byte[]... parts) throws IOException {
		OutputStream out = this.socket.getOutputStream();
		for (byte[] part : parts) {
			out.write(part);
		}
		out.flush();
		return this;
	}

	void shutdownOutput() throws IOException {
		this.socket.shutdownOutput();
	}

	/** Read until the server closes the connection. */
	Reply readToEnd() throws IOException {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		InputStream in = this.socket.getInputStream();
		byte[] buffer = new byte[8192];
		long start = System.nanoTime();
		try {
			int n;
			while ((n = in.read(buffer)) != -1) {
				received.write(buffer, 0, n);
			}
		}
		catch (SocketException ex) {
			return new Reply(received.toByteArray(), true, System.nanoTime() - start);
		}
		return new Reply(received.toByteArray(), false, System.nanoTime() - start);
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * What the server sent before it closed.
	 * @param bytes every byte received
	 * @param reset whether the connection ended with a reset rather than a clean close
	 * @param nanos how long the reading took
	 */
	record Reply(byte[] bytes, boolean reset, long nanos) {

		String text() {
			return new String(this.bytes, StandardCharsets.ISO_8859_1);
		}

		String head() {
			String text = text();
			int end = text.indexOf("\r\n\r\n");
			return (end >= 0) ? text.substring(0, end + 2) : text;
		}

		String body() {
			String text = text();
			int end = text.indexOf("\r\n\r\n");
			return (end >= 0) ? text.substring(end + 4) : "";
		}

		String statusLine() {
			String text = text();
			int end = text.indexOf("\r\n");
			return (end >= 0) ? text.substring(0, end) : text;
		}

	}

}
