package io.github.uwsgispringboot.tomcat;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiPacketHeader;
import io.github.uwsgispringboot.protocol.UwsgiPeers;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.protocol.UwsgiRefusalLog;
import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiResponseRules;
import jakarta.servlet.ServletConnection;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.ActionCode;
import org.apache.coyote.Adapter;
import org.apache.coyote.ContinueResponseTiming;
import org.apache.coyote.ErrorState;
import org.apache.coyote.InputBuffer;
import org.apache.coyote.OutputBuffer;
import org.apache.coyote.RequestInfo;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.ExceptionUtils;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.buf.MessageBytes;
import org.apache.tomcat.util.http.MimeHeaders;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Serves one uwsgi request on one connection: reads the packet header and the vars without
 * blocking a thread (waiting for more is a {@code LONG} poll), refuses what the core refuses, hands
 * the request to the container, writes the response as plain HTTP/1.1 and closes the connection,
 * lingering over an unread request body.
 */
final class UwsgiProcessor extends AbstractProcessor {

	private static final Log log = LogFactory.getLog(UwsgiProcessor.class);

	private final AbstractUwsgiProtocol<?> protocol;

	private final byte[] packetHeader = new byte[4];

	private final BodyInputBuffer body = new BodyInputBuffer();

	private final ResponseOutputBuffer output = new ResponseOutputBuffer();

	private String transport;

	private long startNanos = -1;

	private int packetHeaderRead;

	private byte[] vars;

	private int varsRead;

	private boolean ping;

	private UwsgiRequest uwsgiRequest;

	private UwsgiProtocolException refusal;

	private boolean swallowResponse;

	private boolean closeDelimited;

	private boolean responseFinished;

	UwsgiProcessor(AbstractUwsgiProtocol<?> protocol, Adapter adapter) {
		super(adapter);
		this.protocol = protocol;
		this.request.setInputBuffer(this.body);
		this.response.setOutputBuffer(this.output);
	}

	@Override
	public SocketState process(SocketWrapperBase<?> socket, SocketEvent event) throws IOException {
		if (this.startNanos < 0) {
			this.startNanos = System.nanoTime();
			this.transport = this.protocol.transport();
			this.socketWrapper = socket;
			this.protocol.serverListener().connectionOpened(this.transport);
		}
		SocketState state;
		if (isReadingPacket() && event != SocketEvent.OPEN_READ) {
			// the poller gave up waiting for the rest of the header and vars
			refuse(new UwsgiProtocolException(Reason.HEADER_TIMEOUT, receivedSoFar()));
			state = SocketState.CLOSED;
		}
		else {
			state = super.process(socket, event);
		}
		if (state == SocketState.CLOSED) {
			endConnection();
		}
		return state;
	}

	@Override
	protected SocketState service(SocketWrapperBase<?> socket) throws IOException {
		this.socketWrapper = socket;
		RequestInfo stage = this.request.getRequestProcessor();
		stage.setStage(org.apache.coyote.Constants.STAGE_PARSE);
		try {
			if (!readPacket()) {
				return awaitRestOfPacket();
			}
			if (this.ping) {
				this.socketWrapper.write(true, ByteBuffer.wrap(UwsgiPacketHeader.pong()));
				this.socketWrapper.flush(true);
				return SocketState.CLOSED;
			}
			this.request.markStartTime();
			UwsgiRequest read = UwsgiRequest.read(this.vars, this.protocol.limits());
			this.uwsgiRequest = this.protocol.accessPolicy().check(remoteSocketAddress(), read);
		}
		catch (UwsgiProtocolException ex) {
			refuse(ex);
			return SocketState.CLOSED;
		}
		stage.setStage(org.apache.coyote.Constants.STAGE_PREPARE);
		prepareRequest();
		if (getErrorState().isIoAllowed()) {
			stage.setStage(org.apache.coyote.Constants.STAGE_SERVICE);
			serviceRequest();
		}
		if (isAsync() && !getErrorState().isError()) {
			return SocketState.LONG;
		}
		if (!this.responseFinished && getErrorState().isIoAllowed()) {
			try {
				action(ActionCode.COMMIT, null);
				finishResponse();
			}
			catch (IOException ex) {
				setErrorState(ErrorState.CLOSE_CONNECTION_NOW, ex);
			}
		}
		this.request.updateCounters();
		stage.setStage(org.apache.coyote.Constants.STAGE_ENDED);
		return SocketState.CLOSED;
	}

	private void serviceRequest() {
		try {
			getAdapter().service(this.request, this.response);
		}
		catch (InterruptedIOException ex) {
			setErrorState(ErrorState.CLOSE_CONNECTION_NOW, ex);
		}
		catch (Throwable ex) {
			ExceptionUtils.handleThrowable(ex);
			log.error("Error processing uwsgi request " + this.uwsgiRequest.uri(), ex);
			this.response.setStatus(500);
			setErrorState(ErrorState.CLOSE_CLEAN, ex);
			getAdapter().log(this.request, this.response, 0);
		}
	}

	private boolean isReadingPacket() {
		return this.startNanos >= 0 && this.uwsgiRequest == null && this.refusal == null && !this.ping;
	}

	/** Read what has arrived of the header and the vars; {@code false} while they are incomplete. */
	private boolean readPacket() throws IOException {
		if (this.vars == null) {
			this.packetHeaderRead += readAvailable(this.packetHeader, this.packetHeaderRead);
			if (this.packetHeaderRead < this.packetHeader.length) {
				return false;
			}
			int size = UwsgiPacketHeader.read(this.packetHeader[0] & 0xFF, this.packetHeader[1] & 0xFF,
					this.packetHeader[2] & 0xFF, this.packetHeader[3] & 0xFF, this.protocol.limits().maxVarsSize());
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
			if (n < 0) {
				throw new UwsgiProtocolException(Reason.TRUNCATED_PACKET, receivedSoFar());
			}
			if (n == 0) {
				break;
			}
			read += n;
		}
		return read;
	}

	private SocketState awaitRestOfPacket() {
		long timeout = this.protocol.limits().headerTimeout().toNanos();
		if (timeout == 0) {
			this.socketWrapper.setReadTimeout(-1);
			return SocketState.LONG;
		}
		long left = this.startNanos + timeout - System.nanoTime();
		if (left <= 0) {
			throw new UwsgiProtocolException(Reason.HEADER_TIMEOUT, receivedSoFar());
		}
		this.socketWrapper.setReadTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
		return SocketState.LONG;
	}

	private String receivedSoFar() {
		return (this.packetHeaderRead + this.varsRead) + " bytes of header and vars received";
	}

	private void refuse(UwsgiProtocolException refusal) {
		this.refusal = refusal;
		UwsgiRefusalLog.log(peer(), refusal);
		this.protocol.serverListener().packetRejected(this.transport, refusal.reason());
		if (!refusal.reason().answered()) {
			return;
		}
		byte[] answer = (refusal.reason() == Reason.HTTP_ON_UWSGI_PORT) ? UwsgiPacketHeader.notUwsgiResponse()
				: ResponseHead.refusal(refusal.reason().status());
		try {
			this.socketWrapper.write(true, ByteBuffer.wrap(answer));
			this.socketWrapper.flush(true);
			this.protocol.serverListener()
				.exchangeCompleted(new UwsgiExchange(this.transport, null, refusal.reason().status(), 0, 0, elapsed()));
		}
		catch (IOException ex) {
			log.debug("Could not answer a refused uwsgi packet", ex);
		}
	}

	private void prepareRequest() {
		UwsgiRequest uwsgi = this.uwsgiRequest;
		this.request.setMethod(uwsgi.method());
		// the mount prefix is the proxy's: the container maps what follows it (docs/servlet.md)
		String mountPrefix = uwsgi.contextPath();
		String uri = uwsgi.uri().substring(mountPrefix.length());
		if (uri.isEmpty() || uri.charAt(0) != '/') {
			uri = "/" + uri;
		}
		byte[] target = uri.getBytes(StandardCharsets.ISO_8859_1);
		int query = uri.indexOf('?');
		this.request.requestURI().setBytes(target, 0, (query >= 0) ? query : target.length);
		if (query >= 0) {
			this.request.queryString().setBytes(target, query + 1, target.length - query - 1);
		}
		this.request.setAttribute(UwsgiRequest.ATTRIBUTE, uwsgi);
		if (!mountPrefix.isEmpty()) {
			this.request.setAttribute(UwsgiRequest.MOUNT_PREFIX_ATTRIBUTE, mountPrefix);
		}
		this.request.protocol().setString("HTTP/1.1");
		this.request.scheme().setString(uwsgi.scheme());
		MimeHeaders headers = this.request.getMimeHeaders();
		uwsgi.forEachHeader((name, value) -> {
			byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
			headers.addValue(name).setBytes(bytes, 0, bytes.length);
		});
		this.request.setContentLength(uwsgi.contentLength());
		this.body.expect(uwsgi.contentLength());
		InetSocketAddress client = uwsgi.remoteAddress();
		if (client != null) {
			this.request.remoteAddr().setString(client.getAddress().getHostAddress());
			this.request.remoteHost().setString(client.getAddress().getHostAddress());
			this.request.setRemotePort(client.getPort());
		}
		else {
			this.request.remoteAddr().setString(this.socketWrapper.getRemoteAddr());
			this.request.remoteHost().setString(this.socketWrapper.getRemoteAddr());
			this.request.setRemotePort(this.socketWrapper.getRemotePort());
		}
		this.request.peerAddr().setString(this.socketWrapper.getRemoteAddr());
		this.request.localAddr().setString(this.socketWrapper.getLocalAddr());
		this.request.localName().setString(this.socketWrapper.getLocalName());
		this.request.setLocalPort(this.socketWrapper.getLocalPort());
		String host = uwsgi.host();
		if (host != null) {
			byte[] hostBytes = host.getBytes(StandardCharsets.ISO_8859_1);
			MessageBytes hostValue = MessageBytes.newInstance();
			hostValue.setBytes(hostBytes, 0, hostBytes.length);
			parseHost(hostValue);
		}
		else {
			parseHost(null);
		}
		this.socketWrapper.setReadTimeout(this.protocol.limits().bodyIdleTimeout().toMillis());
	}

	@Override
	protected void populateHost() {
		this.request.serverName().setString(this.socketWrapper.getLocalName());
	}

	/** The connection is over: how it is closed depends on how the exchange went. */
	private void endConnection() {
		try {
			if (this.uwsgiRequest != null) {
				endExchange();
			}
			else if (this.refusal != null && this.refusal.reason().answered()) {
				// the length of what follows is unknown: the answer ends the exchange, the peer's EOF the linger
				linger(Long.MAX_VALUE, true);
			}
		}
		catch (IOException ex) {
			log.debug("Error while closing a uwsgi connection", ex);
		}
	}

	private void endExchange() throws IOException {
		if (!getErrorState().isIoAllowed()) {
			// cut short: a plain close would make a truncated close-delimited body look complete
			reset();
			return;
		}
		this.protocol.serverListener()
			.exchangeCompleted(new UwsgiExchange(this.transport, this.uwsgiRequest, this.response.getStatus(),
					this.body.received, this.output.written, elapsed()));
		if (!this.body.isFullyRead()) {
			linger(this.body.remaining, this.closeDelimited);
		}
	}

	/**
	 * Read and discard the unread rest of a request body, so that closing with unread input does
	 * not reset the connection before the peer has read the response.
	 */
	private void linger(long remaining, boolean shutdownOutput) throws IOException {
		this.socketWrapper.flush(true);
		SocketChannel channel = channel();
		if (shutdownOutput && channel != null) {
			channel.shutdownOutput();
		}
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.protocol.getLingerTimeout());
		ByteBuffer discard = ByteBuffer.allocate(8192);
		long left = remaining;
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

	/**
	 * Make the close a reset over TCP, so that the proxy cuts the client's response short instead
	 * of passing a truncated body on as complete. A unix socket has no way to say it.
	 */
	private void reset() throws IOException {
		SocketChannel channel = channel();
		if (channel != null && channel.supportedOptions().contains(StandardSocketOptions.SO_LINGER)) {
			channel.setOption(StandardSocketOptions.SO_LINGER, 0);
		}
	}

	private SocketChannel channel() {
		return (this.socketWrapper.getSocket() instanceof NioChannel nio) ? nio.getIOChannel() : null;
	}

	private SocketAddress remoteSocketAddress() {
		try {
			SocketChannel channel = channel();
			return (channel != null) ? channel.getRemoteAddress() : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	private String peer() {
		try {
			SocketChannel channel = channel();
			return (channel != null) ? UwsgiPeers.describe(channel.getRemoteAddress(), channel.getLocalAddress())
					: this.socketWrapper.getRemoteAddr();
		}
		catch (IOException ex) {
			return "a closed connection";
		}
	}

	private Duration elapsed() {
		return Duration.ofNanos(System.nanoTime() - this.startNanos);
	}

	@Override
	protected void prepareResponse() throws IOException {
		this.response.setCommitted(true);
		int status = this.response.getStatus();
		this.swallowResponse = !UwsgiResponseRules.hasBody(status, "HEAD".equals(this.request.getMethod()));
		if (UwsgiResponseRules.isDroppedStatus(status)) {
			// nginx would take an interim status for the final one
			log.warn("Status " + status + " not written to the uwsgi peer");
			this.swallowResponse = true;
			return;
		}
		this.closeDelimited = !this.swallowResponse && this.response.getContentLengthLong() < 0;
		this.socketWrapper.write(true, ByteBuffer.wrap(ResponseHead.encode(this.response)));
	}

	@Override
	protected void finishResponse() throws IOException {
		if (this.responseFinished) {
			return;
		}
		this.responseFinished = true;
		this.socketWrapper.flush(true);
	}

	@Override
	protected void flush() throws IOException {
		if (!this.responseFinished) {
			this.socketWrapper.flush(this.response.getWriteListener() == null);
		}
	}

	@Override
	protected boolean flushBufferedWrite() throws IOException {
		if (this.socketWrapper.hasDataToWrite()) {
			this.socketWrapper.flush(false);
			if (this.socketWrapper.hasDataToWrite()) {
				this.response.checkRegisterForWrite();
				return true;
			}
		}
		return false;
	}

	@Override
	protected SocketState dispatchEndRequest() {
		return SocketState.CLOSED;
	}

	@Override
	protected void ack(ContinueResponseTiming continueResponseTiming) {
		// never a 100 Continue: the proxy answers Expect itself, and would take ours for the final status
	}

	@Override
	protected void earlyHints() {
		// never a 103: the proxy would take it for the final status
	}

	@Override
	protected int available(boolean doRead) {
		int available = this.body.available();
		if (available > 0 || !doRead) {
			return available;
		}
		try {
			this.body.fill(false);
		}
		catch (IOException ex) {
			// let the next read report it
			return 1;
		}
		return this.body.available();
	}

	@Override
	protected void dispatchNonBlockingRead() {
		if (available(true) > 0) {
			super.dispatchNonBlockingRead();
		}
	}

	@Override
	protected void setRequestBody(ByteChunk replay) {
		this.body.replay(replay);
		this.request.setContentLength(replay.getLength());
	}

	@Override
	protected void setSwallowResponse() {
		this.swallowResponse = true;
	}

	@Override
	protected void disableSwallowRequest() {
		// the unread body is discarded during the lingering close, bounded by lingerTimeout
	}

	@Override
	protected boolean getPopulateRequestAttributesFromSocket() {
		// the client is the proxy's client, from the vars, not the socket's peer
		return false;
	}

	@Override
	protected void populateRequestAttributeRemoteHost() {
		// set from REMOTE_ADDR: no reverse lookup
	}

	@Override
	protected boolean isRequestBodyFullyRead() {
		return this.body.isFullyRead();
	}

	@Override
	protected void registerReadInterest() {
		this.socketWrapper.registerReadInterest();
	}

	@Override
	protected boolean isReadyForWrite() {
		return this.socketWrapper.isReadyForWrite();
	}

	@Override
	protected boolean isTrailerFieldsReady() {
		return true;
	}

	@Override
	protected ServletConnection getServletConnection() {
		return this.socketWrapper.getServletConnection("uwsgi", "");
	}

	@Override
	protected Log getLog() {
		return log;
	}

	@Override
	public void pause() {
		// one request per connection: nothing to stop between requests
	}

	@Override
	public void recycle() {
		getAdapter().checkRecycled(this.request, this.response);
		super.recycle();
		this.request.recycle();
		this.response.recycle();
		if (this.startNanos >= 0) {
			this.protocol.serverListener().connectionClosed(this.transport);
		}
		this.body.recycle();
		this.output.written = 0;
		this.startNanos = -1;
		this.packetHeaderRead = 0;
		this.vars = null;
		this.varsRead = 0;
		this.ping = false;
		this.uwsgiRequest = null;
		this.refusal = null;
		this.swallowResponse = false;
		this.closeDelimited = false;
		this.responseFinished = false;
		this.socketWrapper = null;
	}

	/** Exactly {@code CONTENT_LENGTH} bytes from the connection, never more. */
	private final class BodyInputBuffer implements InputBuffer {

		private final ByteBuffer readBuffer = ByteBuffer.allocate(8192);

		private ByteBuffer chunk = this.readBuffer;

		private boolean pending;

		private long remaining;

		private long received;

		void expect(long contentLength) {
			this.remaining = contentLength;
		}

		@Override
		public int doRead(ApplicationBufferHandler handler) throws IOException {
			if (!this.pending && !fill(request.getReadListener() == null)) {
				return (this.remaining == 0) ? -1 : 0;
			}
			this.pending = false;
			handler.setByteBuffer(this.chunk);
			return this.chunk.remaining();
		}

		boolean fill(boolean block) throws IOException {
			if (this.remaining == 0) {
				return false;
			}
			this.chunk = this.readBuffer;
			this.chunk.clear().limit((int) Math.min(this.chunk.capacity(), this.remaining));
			int n;
			try {
				n = socketWrapper.read(block, this.chunk);
			}
			catch (SocketTimeoutException ex) {
				UwsgiProtocolException refusal = new UwsgiProtocolException(Reason.BODY_TIMEOUT,
						this.received + " of " + (this.received + this.remaining) + " bytes received");
				UwsgiRefusalLog.log(peer(), refusal);
				protocol.serverListener().packetRejected(transport, refusal.reason());
				setErrorState(ErrorState.CLOSE_CONNECTION_NOW, ex);
				throw ex;
			}
			this.chunk.flip();
			if (n < 0) {
				setErrorState(ErrorState.CLOSE_CONNECTION_NOW, null);
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

		void recycle() {
			this.chunk = this.readBuffer;
			this.pending = false;
			this.remaining = 0;
			this.received = 0;
		}

	}

	/** The response body as it is written, nothing after a {@code HEAD}, 204 or 304. */
	private final class ResponseOutputBuffer implements OutputBuffer {

		private long written;

		@Override
		public int doWrite(ByteBuffer chunk) throws IOException {
			if (!response.isCommitted()) {
				action(ActionCode.COMMIT, null);
			}
			int length = chunk.remaining();
			if (swallowResponse) {
				chunk.position(chunk.limit());
				return length;
			}
			try {
				socketWrapper.write(response.getWriteListener() == null, chunk);
			}
			catch (IOException ex) {
				setErrorState(ErrorState.CLOSE_CONNECTION_NOW, ex);
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

	}

}
