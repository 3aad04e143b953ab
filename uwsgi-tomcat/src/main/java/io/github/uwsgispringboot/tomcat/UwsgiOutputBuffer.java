package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.apache.coyote.ActionCode;
import org.apache.coyote.OutputBuffer;
import org.apache.coyote.Response;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * The output of one uwsgi connection: the response as the application writes it, nothing of the
 * body after a {@code HEAD}, 204 or 304, and the protocol's own answers (pong, refusals).
 */
final class UwsgiOutputBuffer implements OutputBuffer {

	private final UwsgiProcessor processor;

	private final Response response;

	private SocketWrapperBase<?> socketWrapper;

	private boolean swallow;

	private boolean finished;

	private long written;

	UwsgiOutputBuffer(UwsgiProcessor processor, Response response) {
		this.processor = processor;
		this.response = response;
	}

	void init(SocketWrapperBase<?> socketWrapper) {
		this.socketWrapper = socketWrapper;
	}

	/**
	 * Write the head of the response, before its body.
	 * @param head the status line and the headers
	 */
	void writeHead(byte[] head) throws IOException {
		this.socketWrapper.write(true, ByteBuffer.wrap(head));
	}

	/**
	 * Send the protocol's own answer, a pong or a refusal, instead of a response.
	 * @param answer the whole answer
	 */
	void send(byte[] answer) throws IOException {
		this.socketWrapper.write(true, ByteBuffer.wrap(answer));
		this.socketWrapper.flush(true);
	}

	/** Drop the response body from now on: the response has none. */
	void swallow() {
		this.swallow = true;
	}

	/**
	 * Return whether nothing of the response is written: no body, or a response that was never
	 * sent (refused, or answered by the request timeout).
	 * @return {@code true} once {@link #swallow()} was called
	 */
	boolean isSwallowing() {
		return this.swallow;
	}

	@Override
	public int doWrite(ByteBuffer chunk) throws IOException {
		if (!this.response.isCommitted()) {
			this.response.action(ActionCode.COMMIT, null);
		}
		int length = chunk.remaining();
		if (this.swallow) {
			chunk.position(chunk.limit());
			return length;
		}
		try {
			this.socketWrapper.write(this.response.getWriteListener() == null, chunk);
		}
		catch (IOException ex) {
			this.processor.closeNow(ex);
			throw ex;
		}
		int done = length - chunk.remaining();
		this.written += done;
		return done;
	}

	@Override
	public long getBytesWritten() {
		return this.written;
	}

	/**
	 * Write what is buffered, waiting until it is written: the response is complete.
	 */
	void end() throws IOException {
		if (this.finished) {
			return;
		}
		this.finished = true;
		this.socketWrapper.flush(true);
	}

	boolean isFinished() {
		return this.finished;
	}

	/**
	 * Write what is buffered, waiting for it unless the application writes without blocking.
	 */
	void flush() throws IOException {
		if (!this.finished) {
			this.socketWrapper.flush(this.response.getWriteListener() == null);
		}
	}

	/**
	 * Write what is buffered without waiting.
	 * @return {@code true} when some is left to write, the socket is registered for writing then
	 */
	boolean flushBuffered() throws IOException {
		if (this.socketWrapper.hasDataToWrite()) {
			this.socketWrapper.flush(false);
			if (this.socketWrapper.hasDataToWrite()) {
				this.response.checkRegisterForWrite();
				return true;
			}
		}
		return false;
	}

	boolean isReady() {
		return this.socketWrapper.isReadyForWrite();
	}

	void recycle() {
		this.socketWrapper = null;
		this.swallow = false;
		this.finished = false;
		this.written = 0;
	}

}
