package io.github.uwsgispringboot.e2e;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records what arrives on a client WebSocket, whole messages only: {@code "text:..."}, small binary
 * messages as {@code "binary:[...]"} and large ones as {@code byte[]}, {@code "pong:..."},
 * {@code "close:CODE"} and {@code "error:..."}.
 */
public final class WebSocketRecorder implements WebSocket.Listener {
	private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

	private final StringBuilder text = new StringBuilder();

	private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

	@Override
	public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
		this.text.append(data);
		if (last) {
			this.received.add("text:" + this.text);
			this.text.setLength(0);
		}
		webSocket.request(1);
		return null;
	}

	@Override
	public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
		byte[] bytes = new byte[data.remaining()];
		data.get(bytes);
		this.binary.writeBytes(bytes);
		if (last) {
			byte[] message = this.binary.toByteArray();
			this.received.add((message.length < 100) ? "binary:" + Arrays.toString(message) : message);
			this.binary.reset();
		}
		webSocket.request(1);
		return null;
	}

	@Override
	public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
		byte[] bytes = new byte[message.remaining()];
		message.get(bytes);
		this.received.add("pong:" + new String(bytes));
		webSocket.request(1);
		return null;
	}

	@Override
	public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
		this.received.add("close:" + statusCode);
		return CompletableFuture.completedFuture(null);
	}

	@Override
	public void onError(WebSocket webSocket, Throwable error) {
		this.received.add("error:" + error);
	}

	public Object next() throws InterruptedException {
		Object next = this.received.poll(10, TimeUnit.SECONDS);
		assertThat(next).as("a message within 10 s").isNotNull();
		return next;
	}

	public byte[] nextBinary() throws InterruptedException {
		Object next = next();
		assertThat(next).isInstanceOf(byte[].class);
		return (byte[]) next;
	}

}
