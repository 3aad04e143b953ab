package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.uwsgispringboot.protocol.UwsgiClientCertificates;
import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiPacketHeader;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiRequestTimeout;
import io.github.uwsgispringboot.protocol.UwsgiResponseRules;
import io.github.uwsgispringboot.protocol.UwsgiVars;
import jakarta.servlet.ServletConnection;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.ActionCode;
import org.apache.coyote.Adapter;
import org.apache.coyote.ContinueResponseTiming;
import org.apache.coyote.ErrorState;
import org.apache.coyote.RequestInfo;
import org.apache.coyote.UpgradeToken;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.ExceptionUtils;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.buf.MessageBytes;
import org.apache.tomcat.util.http.MimeHeaders;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.SSLSupport;
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

	private final UwsgiInputBuffer input;

	private final UwsgiOutputBuffer output;

	private String transport;

	/** When the connection was accepted, by {@code System.nanoTime()}. */
	private long acceptedNanos;

	private UwsgiRequest uwsgiRequest;

	private UwsgiProtocolException refusal;

	private boolean closeDelimited;

	/** The request was refused while the application read its body: no response is sent. */
	private boolean abandoned;

	private UpgradeToken upgradeToken;

	/**
	 * Guards the request timer's state, which the timer's thread changes while the request's own
	 * thread may be in the application: see {@link #timeOut()}.
	 */
	private final Object timing = new Object();

	/** The request is not timed: no request timeout, or no request yet. */
	private static final int UNTIMED = 0;

	/** The request is timed and has not ended. */
	private static final int TIMED = 1;

	/** The request ended in time, or is a stream whose head was sent. */
	private static final int STOPPED = 2;

	/** The request timed out before its response started, and was answered 504. */
	private static final int TIMED_OUT = 3;

	/** The request timed out after its response started, and its connection was cut. */
	private static final int CUT = 4;

	/** Guarded by {@link #timing}. */
	private int timerState = UNTIMED;

	/**
	 * The request is timed: set and read by the threads that serve it, one after the other, so that
	 * a request without a timeout never takes {@link #timing}.
	 */
	private boolean timed;

	/** The thread in the application for this request, guarded by {@link #timing}. */
	private Thread serviceThread;

	/** The current request's timer, guarded by {@link #timing}. */
	private UwsgiRequestTimers.Timed timer;


	UwsgiProcessor(AbstractUwsgiProtocol<?> protocol, Adapter adapter) {
		super(adapter);
		this.protocol = protocol;
		this.input = new UwsgiInputBuffer(this, this.request);
		this.output = new UwsgiOutputBuffer(this, this.response);
		this.request.setInputBuffer(this.input);
		this.response.setOutputBuffer(this.output);
	}

	@Override
	public SocketState process(SocketWrapperBase<?> socket, SocketEvent event) throws IOException {
		if (this.socketWrapper == null) {
			connectionStarted(socket);
		}
		SocketState state;
		if (isReadingPacket() && event != SocketEvent.OPEN_READ) {
			// the poller gave up waiting for the rest of the header and vars
			refuse(headerTimeout());
			state = SocketState.CLOSED;
		}
		else {
			state = super.process(socket, event);
		}
		if (state == SocketState.CLOSED) {
			if (this.timed) {
				stopTimer();
			}
			endConnection();
		}
		return state;
	}

	private void connectionStarted(SocketWrapperBase<?> socket) {
		this.acceptedNanos = this.protocol.connectionHandler().acceptedAt(socket);
		this.transport = this.protocol.transport();
		this.socketWrapper = socket;
		this.input.init(socket);
		this.output.init(socket);
	}

	@Override
	protected SocketState service(SocketWrapperBase<?> socket) throws IOException {
		RequestInfo stage = this.request.getRequestProcessor();
		stage.setStage(org.apache.coyote.Constants.STAGE_PARSE);
		try {
			if (!this.input.parsePacket(this.protocol.limits().maxVarsSize())) {
				return this.input.isClosedEmpty() ? SocketState.CLOSED : awaitRestOfPacket();
			}
			if (this.input.isPing()) {
				this.output.send(UwsgiPacketHeader.pong());
				return SocketState.CLOSED;
			}
			this.request.markStartTime();
			this.uwsgiRequest = UwsgiRequest.read(this.input.vars(), this.protocol.limits());
			this.uwsgiRequest = this.protocol.accessPolicy().check(remoteSocketAddress(), this.uwsgiRequest);
		}
		catch (UwsgiProtocolException ex) {
			refuse(ex);
			return SocketState.CLOSED;
		}
		stage.setStage(org.apache.coyote.Constants.STAGE_PREPARE);
		startTimer();
		prepareRequest();
		if (getErrorState().isIoAllowed()) {
			stage.setStage(org.apache.coyote.Constants.STAGE_SERVICE);
			serviceRequest();
		}
		if (isAsync() && !getErrorState().isError()) {
			return SocketState.LONG;
		}
		if (!this.output.isFinished() && getErrorState().isIoAllowed()) {
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
		// the 101 has been written: the connection is the new protocol's
		return (isUpgrade() && !getErrorState().isError()) ? SocketState.UPGRADING : SocketState.CLOSED;
	}

	private void serviceRequest() {
		if (this.timed) {
			synchronized (this.timing) {
				this.serviceThread = Thread.currentThread();
			}
		}
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
		finally {
			if (this.timed) {
				leftApplication();
			}
		}
	}

	/**
	 * The request's thread left the application: it is not interrupted from now on, and the
	 * interrupt of a timeout is cleared, so that the pooled thread's next request does not see it.
	 */
	private void leftApplication() {
		boolean timedOut;
		synchronized (this.timing) {
			this.serviceThread = null;
			timedOut = this.timerState >= TIMED_OUT;
		}
		if (timedOut) {
			Thread.interrupted();
		}
	}

	private void startTimer() {
		UwsgiRequestTimeout timeout = this.protocol.limits().requestTimeout();
		if (!timeout.isEnabled()) {
			return;
		}
		synchronized (this.timing) {
			this.timer = this.protocol.requestTimers()
				.add(this, this.request.getStartTimeNanos() + timeout.limitNanos());
			this.timerState = TIMED;
		}
		this.timed = true;
	}

	/** The request ended in time, or its response is a stream whose head is being sent. */
	private void stopTimer() {
		synchronized (this.timing) {
			if (this.timerState == TIMED) {
				this.timerState = STOPPED;
			}
			if (this.timer != null) {
				this.protocol.requestTimers().remove(this.timer);
				this.timer = null;
			}
		}
	}

	/**
	 * Time the request out, on the timer's thread: log it with where its thread is, tell the
	 * listener, and either answer 504 in place of the response, which the application can no longer
	 * send, or cut the response that had started; then interrupt the thread, if the request has
	 * one in the application.
	 */
	void timeOut(UwsgiRequestTimers.Timed expired) {
		synchronized (this.timing) {
			if (this.timer != expired || this.timerState != TIMED) {
				return;
			}
			boolean started = this.response.isCommitted();
			this.timerState = started ? CUT : TIMED_OUT;
			Duration elapsed = elapsed();
			this.protocol.limits().requestTimeout().log(this.uwsgiRequest, this.transport, elapsed, started,
					this.serviceThread);
			this.protocol.serverListener().requestTimedOut(this.transport);
			if (started) {
				cut();
				reportCut();
			}
			else {
				answerTimedOut(elapsed);
			}
			if (this.serviceThread != null) {
				this.serviceThread.interrupt();
			}
		}
	}

	/** A response whose head was sent was cut short: tell the listener, as the Netty server does. */
	private void reportCut() {
		if (this.response.isCommitted() && !this.output.isSwallowing() && this.response.getStatus() >= 200) {
			this.protocol.serverListener()
				.exchangeFailed(new UwsgiExchange(this.transport, this.uwsgiRequest, this.response.getStatus(),
						this.input.received(), this.output.getBytesWritten(), elapsed()));
		}
	}

	private void answerTimedOut(Duration elapsed) {
		int status = UwsgiRequestTimeout.STATUS;
		try {
			this.output.send(ResponseHead.empty(status, ResponseHead.reasonPhrase(status)));
			SocketChannel channel = channel();
			if (channel != null) {
				channel.shutdownOutput();
			}
		}
		catch (IOException ex) {
			log.debug("Could not answer a uwsgi request that timed out", ex);
		}
		this.protocol.serverListener()
			.exchangeCompleted(new UwsgiExchange(this.transport, this.uwsgiRequest, status, this.input.received(), 0,
					elapsed));
	}

	/**
	 * End a response that had started the way a failed response ends (a reset over TCP), now: the
	 * application's thread may be anywhere, and its next write fails.
	 */
	private void cut() {
		try {
			reset();
			SocketChannel channel = channel();
			if (channel != null) {
				channel.close();
			}
		}
		catch (IOException ex) {
			log.debug("Could not cut the response of a uwsgi request that timed out", ex);
		}
	}

	private boolean isReadingPacket() {
		return this.socketWrapper != null && this.uwsgiRequest == null && this.refusal == null && !this.input.isPing();
	}

	private SocketState awaitRestOfPacket() {
		long timeout = this.protocol.limits().headerTimeout().toNanos();
		if (timeout == 0) {
			this.socketWrapper.setReadTimeout(-1);
			return SocketState.LONG;
		}
		long left = this.acceptedNanos + timeout - System.nanoTime();
		if (left <= 0) {
			throw headerTimeout();
		}
		this.socketWrapper.setReadTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
		return SocketState.LONG;
	}

	private UwsgiProtocolException headerTimeout() {
		return UwsgiProtocolException.headerTimeout(this.protocol.limits().headerTimeout(),
				this.input.packetBytesReceived());
	}

	private void refuse(UwsgiProtocolException refusal) {
		this.refusal = refusal;
		reportRefusal(refusal);
		if (!refusal.reason().answered()) {
			return;
		}
		byte[] answer = (refusal.reason() == Reason.HTTP_ON_UWSGI_PORT) ? UwsgiPacketHeader.notUwsgiResponse()
				: ResponseHead.refusal(refusal.reason());
		try {
			this.output.send(answer);
			if (this.uwsgiRequest != null) {
				// refused by the access policy: an exchange of a request that was read, as on the Netty server
				this.protocol.serverListener()
					.exchangeCompleted(new UwsgiExchange(this.transport, this.uwsgiRequest, refusal.reason().status(), 0,
							0, elapsed()));
			}
		}
		catch (IOException ex) {
			log.debug("Could not answer a refused uwsgi packet", ex);
		}
	}

	private void reportRefusal(UwsgiProtocolException refusal) {
		this.protocol.refused(UwsgiConnectionHandler.peer(this.socketWrapper), refusal);
	}

	/**
	 * The request body stopped arriving for longer than the body idle timeout: refused, and the
	 * connection closed without a response (the application's read fails), as on the Netty server.
	 * A response already under way is cut short instead.
	 * @param missing how much of the declared body did not arrive
	 * @param ex the read's timeout
	 */
	void bodyTimedOut(long missing, SocketTimeoutException ex) {
		reportRefusal(UwsgiProtocolException.bodyTimeout(this.protocol.limits().bodyIdleTimeout(), missing));
		this.abandoned = !this.response.isCommitted();
		closeNow(ex);
	}

	/**
	 * The connection failed: it is closed without completing the response.
	 * @param cause why, if known
	 */
	void closeNow(Throwable cause) {
		setErrorState(ErrorState.CLOSE_CONNECTION_NOW, cause);
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
		this.input.expectBody(uwsgi.contentLength());
		prepareAddresses(uwsgi.remoteAddress());
		prepareHost(uwsgi.host());
		this.socketWrapper.setReadTimeout(this.protocol.limits().bodyIdleTimeout().toMillis());
	}

	/** The client is the proxy's, from the vars; the peer and the local end are the socket's. */
	private void prepareAddresses(InetSocketAddress client) {
		String clientAddress = (client != null) ? client.getAddress().getHostAddress()
				: this.socketWrapper.getRemoteAddr();
		this.request.remoteAddr().setString(clientAddress);
		this.request.remoteHost().setString(clientAddress);
		this.request.setRemotePort((client != null) ? client.getPort() : this.socketWrapper.getRemotePort());
		this.request.peerAddr().setString(this.socketWrapper.getRemoteAddr());
		this.request.localAddr().setString(this.socketWrapper.getLocalAddr());
		// the address, not a name: Tomcat's getLocalName() looks the name up, a system call or a DNS
		// query per request (the HTTP connector only does it when the application asks)
		this.request.localName().setString(this.socketWrapper.getLocalAddr());
		this.request.setLocalPort(this.socketWrapper.getLocalPort());
	}

	private void prepareHost(String host) {
		if (host == null) {
			parseHost(null);
			return;
		}
		byte[] hostBytes = host.getBytes(StandardCharsets.ISO_8859_1);
		MessageBytes hostValue = MessageBytes.newInstance();
		hostValue.setBytes(hostBytes, 0, hostBytes.length);
		parseHost(hostValue);
	}

	@Override
	protected void populateHost() {
		// no Host from the proxy: the address the proxy connected to, as the Netty server has it
		this.request.serverName().setString(this.socketWrapper.getLocalAddr());
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

	private int timerState() {
		if (!this.timed) {
			return UNTIMED;
		}
		synchronized (this.timing) {
			return this.timerState;
		}
	}

	private void endExchange() throws IOException {
		int timerState = timerState();
		if (timerState >= TIMED_OUT) {
			// answered 504 by the timer, or cut: only an unread body may be left to linger over
			if (timerState == TIMED_OUT && !this.input.isFullyRead()) {
				linger(this.input.remaining(), false);
			}
			return;
		}
		if (this.abandoned) {
			// closed without a response: nothing was sent that could look complete
			return;
		}
		if (!getErrorState().isIoAllowed()) {
			// cut short: a plain close would make a truncated close-delimited body look complete
			reset();
			reportCut();
			return;
		}
		this.protocol.serverListener()
			.exchangeCompleted(new UwsgiExchange(this.transport, this.uwsgiRequest, this.response.getStatus(),
					this.input.received(), this.output.getBytesWritten(), elapsed()));
		if (!this.input.isFullyRead()) {
			linger(this.input.remaining(), this.closeDelimited);
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
		this.input.discard(remaining, this.protocol.getLingerTimeout());
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
		return UwsgiConnectionHandler.channel(this.socketWrapper);
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

	/** The time since the request was read, or since the accept for a refused packet. */
	private Duration elapsed() {
		long start = this.request.getStartTimeNanos();
		return Duration.ofNanos(System.nanoTime() - ((start >= 0) ? start : this.acceptedNanos));
	}

	@Override
	protected void prepareResponse() throws IOException {
		if (!this.timed) {
			writeResponseHead();
			return;
		}
		synchronized (this.timing) {
			if (this.timerState == TIMED_OUT) {
				// answered 504 already: what the application answers is not sent
				this.response.setCommitted(true);
				this.output.swallow();
				return;
			}
			if (this.timerState == TIMED && UwsgiRequestTimeout.isStream(this.response.getStatus(),
					this.response.getContentType())) {
				this.timerState = STOPPED;
			}
			writeResponseHead();
		}
	}

	private void writeResponseHead() throws IOException {
		this.response.setCommitted(true);
		if (this.abandoned) {
			// the request was refused while the application read it: what it answers is not sent
			this.output.swallow();
			return;
		}
		int status = this.response.getStatus();
		boolean hasBody = UwsgiResponseRules.hasBody(status, "HEAD".equals(this.request.getMethod()));
		if (!hasBody) {
			this.output.swallow();
		}
		if (UwsgiResponseRules.isDroppedStatus(status)) {
			// nginx would take an interim status for the final one
			log.warn("Status " + status + " not written to the uwsgi peer");
			this.output.swallow();
			return;
		}
		this.closeDelimited = hasBody && this.response.getContentLengthLong() < 0;
		this.output.writeHead(ResponseHead.encode(this.response));
	}

	@Override
	protected void finishResponse() throws IOException {
		if (this.timed) {
			stopTimer();
		}
		this.output.end();
	}

	@Override
	protected void flush() throws IOException {
		this.output.flush();
	}

	@Override
	protected boolean flushBufferedWrite() throws IOException {
		return this.output.flushBuffered();
	}

	@Override
	protected void doHttpUpgrade(UpgradeToken upgradeToken) {
		if (!this.uwsgiRequest.isWebSocketUpgrade()) {
			// the proxy would pass the 101 on and then hang
			throw new UnsupportedOperationException("The uwsgi peer cannot tunnel this request's connection: "
					+ "only a WebSocket upgrade from a proxy that tunnels (nginx, the uWSGI router) can be upgraded");
		}
		this.upgradeToken = upgradeToken;
	}

	@Override
	public UpgradeToken getUpgradeToken() {
		return this.upgradeToken;
	}

	@Override
	public boolean isUpgrade() {
		return this.upgradeToken != null;
	}

	@Override
	public ByteBuffer getLeftoverInput() {
		// the vars are read to their end and never further: what follows is still the socket's
		return null;
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
		int available = this.input.available();
		if (available > 0 || !doRead) {
			return available;
		}
		try {
			this.input.fill(false);
		}
		catch (IOException ex) {
			// let the next read report it
			return 1;
		}
		return this.input.available();
	}

	@Override
	protected void dispatchNonBlockingRead() {
		if (available(true) > 0) {
			super.dispatchNonBlockingRead();
		}
	}

	@Override
	protected void setRequestBody(ByteChunk replay) {
		this.input.replay(replay);
		this.request.setContentLength(replay.getLength());
	}

	@Override
	protected void setSwallowResponse() {
		this.output.swallow();
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

	/**
	 * The client's TLS session at the proxy, from the vars the proxy sends: the TLS session on
	 * this connection, if any, is the proxy's. Apache mod_ssl ({@code SSLOptions +StdEnvVars})
	 * sends every var read here; nginx those it is given ({@code uwsgi_param SSL_CIPHER $ssl_cipher;}).
	 */
	@Override
	protected void populateSslRequestAttributes() {
		UwsgiVars vars = this.uwsgiRequest.vars();
		X509Certificate[] certificates = UwsgiClientCertificates.read(vars);
		if (certificates != null) {
			this.request.setAttribute(SSLSupport.CERTIFICATE_KEY, certificates);
		}
		setAttribute(SSLSupport.CIPHER_SUITE_KEY, vars.get("SSL_CIPHER"));
		setAttribute(SSLSupport.SECURE_PROTOCOL_KEY, vars.get("SSL_PROTOCOL"));
		setAttribute(SSLSupport.SESSION_ID_KEY, vars.get("SSL_SESSION_ID"));
		String keySize = vars.get("SSL_CIPHER_USEKEYSIZE");
		if (keySize != null && keySize.matches("[0-9]{1,5}")) {
			this.request.setAttribute(SSLSupport.KEY_SIZE_KEY, Integer.valueOf(keySize));
		}
	}

	private void setAttribute(String name, String value) {
		if (value != null && !value.isEmpty()) {
			this.request.setAttribute(name, value);
		}
	}

	@Override
	protected void populateRequestAttributeRemoteHost() {
		// set from REMOTE_ADDR: no reverse lookup
	}

	@Override
	protected boolean isRequestBodyFullyRead() {
		return this.input.isFullyRead();
	}

	@Override
	protected void registerReadInterest() {
		this.socketWrapper.registerReadInterest();
	}

	@Override
	protected boolean isReadyForWrite() {
		return this.output.isReady();
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
		this.input.recycle();
		this.output.recycle();
		this.uwsgiRequest = null;
		this.refusal = null;
		this.closeDelimited = false;
		this.abandoned = false;
		this.upgradeToken = null;
		this.timed = false;
		synchronized (this.timing) {
			this.timerState = UNTIMED;
			this.serviceThread = null;
			if (this.timer != null) {
				this.protocol.requestTimers().remove(this.timer);
				this.timer = null;
			}
		}
		this.socketWrapper = null;
	}

}
