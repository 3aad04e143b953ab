package io.github.uwsgispringboot.tomcat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiPacketHeader;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import org.apache.coyote.InputBuffer;
import org.apache.coyote.Request;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * The input of one uwsgi connection: the packet header and the vars, read as they arrive without
 * blocking, then the request body for the application, exactly {@code CONTENT_LENGTH} bytes and
 * never more.
 */
final class UwsgiInputBuffer implements InputBuffer {

	private final UwsgiProcessor processor;

	private final Request request;

	private final byte[] packetHeader = new byte[UwsgiConstants.HEADER_LENGTH];

	private final ByteBuffer readBuffer = ByteBuffer.allocate(8192);

	private SocketWrapperBase<?> socketWrapper;

	private int packetHeaderRead;

	private byte[] vars;

	private int varsRead;

	private boolean ping;

	private boolean closedEmpty;

	private ByteBuffer chunk = this.readBuffer;

	/** The chunk holds body bytes the application has not taken yet. */
	private boolean pending;

	private long remaining;

	private long received;

	UwsgiInputBuffer(UwsgiProcessor processor, Request request) {
		this.processor = processor;
		this.request = request;
	}

	void init(SocketWrapperBase<?> socketWrapper) {
		this.socketWrapper = socketWrapper;
	}

	/**
	 * Read what has arrived of the header and the vars.
	 * @param maxVarsSize the largest vars block accepted
	 * @return {@code true} once the vars are complete, or the packet is a ping; {@code false} while
	 * they are not, or when the peer closed without sending a byte ({@link #isClosedEmpty()})
	 * @throws UwsgiProtocolException when the header is refused or the peer closed mid-packet
	 */
	boolean parsePacket(int maxVarsSize) throws IOException {
		if (this.vars == null) {
			this.packetHeaderRead += readAvailable(this.packetHeader, this.packetHeaderRead);
			if (this.packetHeaderRead < this.packetHeader.length) {
				return false;
			}
			int size = UwsgiPacketHeader.read(this.packetHeader[0] & 0xFF, this.packetHeader[1] & 0xFF,
					this.packetHeader[2] & 0xFF, this.packetHeader[3] & 0xFF, maxVarsSize);
			if (size == UwsgiPacketHeader.PING) {
				this.ping = true;
				return true;
			}
			this.vars = new byte[size];
		}
		this.varsRead += readAvailable(this.vars, this.varsRead);
		return this.varsRead == this.vars.length;
	}

	private int readAvailable(byte[] into, int offset) throws IOException {
		int read = 0;
		while (offset + read < into.length) {
			int n;
			try {
				n = this.socketWrapper.read(false, into, offset + read, into.length - offset - read);
			}
			catch (EOFException ex) {
				// NioEndpoint reports the end of the stream so
				n = -1;
			}
			if (n < 0 && packetBytesReceived() + read == 0) {
				// closed before sending anything: nothing to refuse, as for the Netty server
				this.closedEmpty = true;
				break;
			}
			if (n < 0) {
				throw UwsgiProtocolException.truncated(packetBytesReceived() + read);
			}
			if (n == 0) {
				break;
			}
			read += n;
		}
		return read;
	}

	boolean isPing() {
		return this.ping;
	}

	byte[] vars() {
		return this.vars;
	}

	/**
	 * Return whether the peer closed the connection without sending a byte.
	 * @return {@code true} when it did
	 */
	boolean isClosedEmpty() {
		return this.closedEmpty;
	}

	/**
	 * Return how many bytes of the header and the vars have arrived.
	 * @return the number of bytes
	 */
	int packetBytesReceived() {
		return this.packetHeaderRead + this.varsRead;
	}

	/**
	 * Expect a body of {@code contentLength} bytes after the vars.
	 * @param contentLength the request's {@code CONTENT_LENGTH}
	 */
	void expectBody(long contentLength) {
		this.remaining = contentLength;
	}

	@Override
	public int doRead(ApplicationBufferHandler handler) throws IOException {
		if (!this.pending && !fill(this.request.getReadListener() == null)) {
			return (this.remaining == 0) ? -1 : 0;
		}
		this.pending = false;
		handler.setByteBuffer(this.chunk);
		return this.chunk.remaining();
	}

	/**
	 * Read the next part of the body from the connection.
	 * @param block whether to wait for it
	 * @return {@code true} when some was read
	 */
	boolean fill(boolean block) throws IOException {
		if (this.remaining == 0) {
			return false;
		}
		this.chunk = this.readBuffer;
		this.chunk.clear().limit((int) Math.min(this.chunk.capacity(), this.remaining));
		int n;
		try {
			n = this.socketWrapper.read(block, this.chunk);
		}
		catch (SocketTimeoutException ex) {
			this.processor.bodyTimedOut(this.remaining, ex);
			throw ex;
		}
		this.chunk.flip();
		if (n < 0) {
			this.processor.closeNow(null);
			throw new EOFException("uwsgi peer closed the connection after " + this.received + " of "
					+ (this.received + this.remaining) + " body bytes");
		}
		if (n == 0) {
			return false;
		}
		this.remaining -= n;
		this.received += n;
		this.pending = true;
		return true;
	}

	/**
	 * Serve {@code replay} as the body instead of what the connection has (a saved request body
	 * replayed after an authentication).
	 */
	void replay(ByteChunk replay) {
		this.chunk = ByteBuffer.wrap(replay.getBytes(), replay.getStart(), replay.getLength());
		this.pending = true;
		this.remaining = 0;
	}

	@Override
	public int available() {
		return this.pending ? this.chunk.remaining() : 0;
	}

	boolean isFullyRead() {
		return this.remaining == 0 && !this.pending;
	}

	/**
	 * Return the body bytes read from the connection.
	 * @return the number of bytes
	 */
	long received() {
		return this.received;
	}

	/**
	 * Return the body bytes not read from the connection yet.
	 * @return the number of bytes
	 */
	long remaining() {
		return this.remaining;
	}

	/**
	 * Read and discard up to {@code limit} bytes, until the peer closes or {@code timeoutMillis}
	 * pass: the lingering part of a close.
	 * @param limit how many bytes at most
	 * @param timeoutMillis how long at most
	 */
	void discard(long limit, long timeoutMillis) throws IOException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		ByteBuffer discard = ByteBuffer.allocate(8192);
		long left = limit;
		while (left > 0) {
			long wait = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
			if (wait <= 0) {
				return;
			}
			this.socketWrapper.setReadTimeout(wait);
			discard.clear().limit((int) Math.min(discard.capacity(), left));
			int n;
			try {
				n = this.socketWrapper.read(true, discard);
			}
			catch (SocketTimeoutException ex) {
				return;
			}
			if (n < 0) {
				return;
			}
			left -= n;
		}
	}

	void recycle() {
		this.socketWrapper = null;
		this.packetHeaderRead = 0;
		this.vars = null;
		this.varsRead = 0;
		this.ping = false;
		this.closedEmpty = false;
		this.chunk = this.readBuffer;
		this.pending = false;
		this.remaining = 0;
		this.received = 0;
	}

}
