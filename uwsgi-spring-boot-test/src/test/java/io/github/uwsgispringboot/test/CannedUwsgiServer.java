package io.github.uwsgispringboot.test;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * A uwsgi server for one connection that records the request and answers with canned bytes, or
 * never: for checking what the client sends, and for the responses a real server must not send.
 * Every wait is bounded.
 */
final class CannedUwsgiServer implements Closeable {

	private static final int TIMEOUT_MILLIS = 10_000;

	private final ServerSocket serverSocket;

	private final CompletableFuture<Request> request = new CompletableFuture<>();

	private final CompletableFuture<Void> served;

	private CannedUwsgiServer(String answer) throws IOException {
		this.serverSocket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
		this.serverSocket.setSoTimeout(TIMEOUT_MILLIS);
		this.served = CompletableFuture.runAsync(() -> serve(answer),
				(task) -> new Thread(task, "canned-uwsgi-server").start());
	}

	/**
	 * Start a server that answers {@code response} to the first request, then closes.
	 * @param response the bytes of the response, ISO-8859-1
	 * @return the started server
	 * @throws IOException when no port can be bound
	 */
	static CannedUwsgiServer answering(String response) throws IOException {
		return new CannedUwsgiServer(response);
	}

	/**
	 * Start a server that reads the first request and never answers, until the client closes.
	 * @return the started server
	 * @throws IOException when no port can be bound
	 */
	static CannedUwsgiServer silent() throws IOException {
		return new CannedUwsgiServer(null);
	}

	int port() {
		return this.serverSocket.getLocalPort();
	}

	/**
	 * Return the request the server read.
	 * @return the vars and the body
	 * @throws Exception when no request arrived in time
	 */
	Request request() throws Exception {
		return this.request.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
	}

	private void serve(String answer) {
		try (Socket connection = this.serverSocket.accept()) {
			connection.setSoTimeout(TIMEOUT_MILLIS);
			InputStream in = connection.getInputStream();
			byte[] header = in.readNBytes(4);
			UwsgiVars vars = vars(in.readNBytes((header[1] & 0xFF) | (header[2] & 0xFF) << 8));
			String length = vars.get("CONTENT_LENGTH");
			byte[] body = in.readNBytes((length != null && !length.isEmpty()) ? Integer.parseInt(length) : 0);
			this.request.complete(new Request(vars, new String(body, StandardCharsets.ISO_8859_1)));
			if (answer == null) {
				// blocks until the client gives up and closes, or the timeout
				in.read();
				return;
			}
			OutputStream out = connection.getOutputStream();
			out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
		}
		catch (IOException ex) {
			this.request.completeExceptionally(ex);
		}
	}

	private static UwsgiVars vars(byte[] block) {
		ByteBuffer vars = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
		UwsgiVars.Builder builder = UwsgiVars.builder();
		while (vars.hasRemaining()) {
			builder.add(string(vars), string(vars));
		}
		return builder.build();
	}

	private static String string(ByteBuffer vars) {
		byte[] bytes = new byte[vars.getShort() & 0xFFFF];
		vars.get(bytes);
		return new String(bytes, StandardCharsets.ISO_8859_1);
	}

	@Override
	public void close() throws IOException {
		this.serverSocket.close();
		this.served.orTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).exceptionally((ex) -> null).join();
	}

	/**
	 * A request as the server read it.
	 * @param vars the vars of the packet
	 * @param body the body, ISO-8859-1
	 */
	record Request(UwsgiVars vars, String body) {

	}

}
