package io.github.uwsgispringboot.codec;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiPacketHeader;
import io.github.uwsgispringboot.protocol.UwsgiPeers;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.protocol.UwsgiRefusalLog;
import io.github.uwsgispringboot.protocol.UwsgiRequest;

/**
 * Decodes one uwsgi packet per connection into Netty HTTP messages: a {@link UwsgiHttpRequest},
 * then the body as {@code HttpContent}s of exactly {@code CONTENT_LENGTH} bytes, ending with a
 * {@link LastHttpContent}. The body is passed on as it arrives, never accumulated.
 *
 * <table>
 * <caption>Limits and refusals (see {@link UwsgiLimits})</caption>
 * <tr><th>What</th><th>Limit</th><th>When exceeded or malformed</th></tr>
 * <tr><td>vars block</td><td>{@code maxVarsSize}, at most {@value UwsgiConstants#MAX_VARS_SIZE} bytes</td>
 * <td>431, then close</td></tr>
 * <tr><td>number of vars</td><td>{@code maxVars}</td><td>431, then close</td></tr>
 * <tr><td>{@code CONTENT_LENGTH}</td><td>{@code maxBodySize}</td><td>413 before the body is read, then close</td></tr>
 * <tr><td>header and vars</td><td>must arrive within {@code headerTimeout} of the connection's start</td>
 * <td>close</td></tr>
 * <tr><td>body</td><td>no pause longer than {@code bodyIdleTimeout} while more is asked for</td><td>close</td></tr>
 * <tr><td>var lengths</td><td>must consume the block exactly</td><td>400, then close</td></tr>
 * <tr><td>var name</td><td>not empty</td><td>400, then close</td></tr>
 * <tr><td>modifier1</td><td>0 (request) or 100 (ping)</td><td>close without a response</td></tr>
 * <tr><td>plain HTTP instead of uwsgi</td><td></td><td>400 with a hint to use {@code uwsgi_pass}</td></tr>
 * <tr><td>bytes after the body</td><td>one request per connection</td><td>discarded</td></tr>
 * </table>
 * Every refusal is logged once, with its {@link Reason} and the peer (see {@link UwsgiRefusalLog}),
 * and fired down the pipeline as a {@link UwsgiProtocolException} user event so that it can be
 * counted.
 */
public class UwsgiRequestDecoder extends ByteToMessageDecoder {

	private static final InternalLogger logger = InternalLoggerFactory.getInstance(UwsgiRequestDecoder.class);

	private static final byte[] PONG = UwsgiPacketHeader.pong();

	private static final byte[] NOT_UWSGI_RESPONSE = UwsgiPacketHeader.notUwsgiResponse();

	private final UwsgiLimits limits;

	private State state = State.READ_HEADER;

	private ScheduledFuture<?> deadline;

	/** Runs once a body being drained after the response has arrived in full. */
	private Runnable drained;

	/** When the decoder started waiting for body bytes it asked for, 0 when it is not waiting. */
	private long waitingSince;

	private int varsSize;

	private long remainingBody;

	private boolean headRequest;

	/**
	 * Create a decoder that accepts vars blocks of up to {@code maxVarsSize} bytes, with no other
	 * limit and no deadline.
	 * @param maxVarsSize the largest vars block accepted, from 1 to
	 * {@value UwsgiConstants#MAX_VARS_SIZE}
	 */
	public UwsgiRequestDecoder(int maxVarsSize) {
		this(UwsgiLimits.NONE.withMaxVarsSize(maxVarsSize));
	}

	/**
	 * Create a decoder that enforces {@code limits}.
	 * @param limits the limits and deadlines
	 */
	public UwsgiRequestDecoder(UwsgiLimits limits) {
		this.limits = limits;
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
		super.handlerAdded(ctx);
		if (ctx.channel().isActive()) {
			startHeaderDeadline(ctx);
		}
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) throws Exception {
		startHeaderDeadline(ctx);
		super.channelActive(ctx);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		cancelDeadline();
		super.channelInactive(ctx);
	}

	@Override
	protected void handlerRemoved0(ChannelHandlerContext ctx) {
		cancelDeadline();
	}

	private void startHeaderDeadline(ChannelHandlerContext ctx) {
		long timeout = this.limits.headerTimeout().toNanos();
		if (timeout > 0 && this.deadline == null) {
			this.deadline = ctx.executor().schedule(() -> headerDeadlinePassed(ctx), timeout, TimeUnit.NANOSECONDS);
		}
	}

	private void headerDeadlinePassed(ChannelHandlerContext ctx) {
		this.deadline = null;
		if ((this.state == State.READ_HEADER || this.state == State.READ_VARS) && ctx.channel().isOpen()) {
			refuse(ctx, UwsgiProtocolException.headerTimeout(this.limits.headerTimeout(), packetBytesReceived()));
			ctx.close();
		}
	}

	/**
	 * Return the bytes of the packet received while its header or vars are incomplete, the header
	 * included, as both servers report them.
	 */
	private long packetBytesReceived() {
		return ((this.state == State.READ_VARS) ? UwsgiConstants.HEADER_LENGTH : 0) + actualReadableBytes();
	}

	private void startBodyIdleTimer(ChannelHandlerContext ctx, long delayNanos) {
		this.deadline = ctx.executor().schedule(() -> bodyIdleCheck(ctx), delayNanos, TimeUnit.NANOSECONDS);
	}

	private void bodyIdleCheck(ChannelHandlerContext ctx) {
		this.deadline = null;
		if (this.state != State.READ_BODY || !ctx.channel().isOpen()) {
			return;
		}
		long timeout = this.limits.bodyIdleTimeout().toNanos();
		long idle = (this.waitingSince != 0) ? ctx.executor().ticker().nanoTime() - this.waitingSince : 0;
		if (idle >= timeout) {
			refuse(ctx, UwsgiProtocolException.bodyTimeout(this.limits.bodyIdleTimeout(), this.remainingBody));
			ctx.close();
			return;
		}
		startBodyIdleTimer(ctx, timeout - idle);
	}

	private void cancelDeadline() {
		if (this.deadline != null) {
			this.deadline.cancel(false);
			this.deadline = null;
		}
	}

	/**
	 * Note that a handler asked to read more: from now on, the body is awaited from the peer (a
	 * body the application does not ask for is not the peer's delay).
	 * @param ctx a context of the connection
	 */
	public void readRequested(ChannelHandlerContext ctx) {
		if (this.waitingSince == 0) {
			this.waitingSince = ctx.executor().ticker().nanoTime();
		}
	}

	@Override
	protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
		switch (this.state) {
			case READ_HEADER:
				if (!readHeader(ctx, in, out)) {
					return;
				}
				// fall through: the vars often arrive in the same read
			case READ_VARS:
				if (in.readableBytes() < this.varsSize) {
					return;
				}
				if (!readVars(ctx, in, out)) {
					return;
				}
				// fall through: so may the body
			case READ_BODY:
				readBody(ctx, in, out);
				return;
			case DONE:
				if (in.isReadable() && logger.isDebugEnabled()) {
					logger.debug("Ignored {} bytes after the uwsgi request from {}", in.readableBytes(),
							peer(ctx.channel()));
				}
				in.skipBytes(in.readableBytes());
				return;
			case DISCARD:
				in.skipBytes(in.readableBytes());
				return;
			case DRAIN:
				drain(in);
				in.skipBytes(in.readableBytes());
				return;
			case UPGRADED:
				if (in.isReadable()) {
					out.add(in.readRetainedSlice(in.readableBytes()));
				}
				return;
			default:
				throw new IllegalStateException("Unknown state " + this.state);
		}
	}

	private boolean readHeader(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
		if (in.readableBytes() < UwsgiConstants.HEADER_LENGTH) {
			return false;
		}
		int start = in.readerIndex();
		try {
			this.varsSize = UwsgiPacketHeader.read(in.getUnsignedByte(start), in.getUnsignedByte(start + 1),
					in.getUnsignedByte(start + 2), in.getUnsignedByte(start + 3), this.limits.maxVarsSize());
		}
		catch (UwsgiProtocolException ex) {
			switch (ex.reason()) {
				case HTTP_ON_UWSGI_PORT -> {
					refuse(ctx, ex);
					ctx.writeAndFlush(Unpooled.wrappedBuffer(NOT_UWSGI_RESPONSE))
						.addListener(ChannelFutureListener.CLOSE);
				}
				case VARS_TOO_LARGE -> answer(ctx, ex, out);
				default -> {
					refuse(ctx, ex);
					ctx.close();
				}
			}
			in.skipBytes(in.readableBytes());
			return false;
		}
		in.skipBytes(UwsgiConstants.HEADER_LENGTH);
		if (this.varsSize == UwsgiPacketHeader.PING) {
			this.state = State.DONE;
			ctx.writeAndFlush(Unpooled.wrappedBuffer(PONG)).addListener(ChannelFutureListener.CLOSE);
			return false;
		}
		this.state = State.READ_VARS;
		return true;
	}

	private boolean readVars(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
		cancelDeadline();
		UwsgiHttpRequest request;
		try {
			request = readRequest(in, this.varsSize, this.limits);
		}
		catch (UwsgiProtocolException ex) {
			answer(ctx, ex, out);
			in.skipBytes(in.readableBytes());
			return false;
		}
		this.headRequest = HttpMethod.HEAD.equals(request.method());
		ctx.channel().attr(UwsgiHttpRequest.CHANNEL_ATTRIBUTE).set(request);
		if (request.isWebSocketUpgrade()) {
			WebSocketUpgradeMarkers.install(ctx.pipeline(), ctx.name());
		}
		this.remainingBody = request.contentLength();
		out.add(request);
		if (this.remainingBody == 0) {
			out.add(LastHttpContent.EMPTY_LAST_CONTENT);
			this.state = State.DONE;
			return false;
		}
		this.state = State.READ_BODY;
		this.waitingSince = ctx.channel().config().isAutoRead() ? ctx.executor().ticker().nanoTime() : 0;
		long bodyIdleTimeout = this.limits.bodyIdleTimeout().toNanos();
		if (bodyIdleTimeout > 0) {
			startBodyIdleTimer(ctx, bodyIdleTimeout);
		}
		return true;
	}

	/**
	 * Read the request of a vars block of {@code size} bytes, which must be readable. The block is
	 * copied once, into the request's vars, which share nothing with the buffer: a request may be
	 * read after its connection and its buffers are gone.
	 * @param in the buffer, positioned at the block
	 * @param size the length of the block
	 * @param limits the limits on vars and body size
	 * @return the request
	 * @throws UwsgiProtocolException when the block is malformed, breaks a limit or does not
	 * describe a valid HTTP request
	 */
	static UwsgiHttpRequest readRequest(ByteBuf in, int size, UwsgiLimits limits) {
		byte[] block = new byte[size];
		in.readBytes(block);
		return new UwsgiHttpRequest(UwsgiRequest.read(block, limits));
	}

	private void readBody(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
		int length = (int) Math.min(in.readableBytes(), this.remainingBody);
		if (length == 0) {
			return;
		}
		this.waitingSince = ctx.channel().config().isAutoRead() ? ctx.executor().ticker().nanoTime() : 0;
		ByteBuf content = in.readRetainedSlice(length);
		this.remainingBody -= length;
		if (this.remainingBody == 0) {
			out.add(new DefaultLastHttpContent(content));
			this.state = State.DONE;
			cancelDeadline();
		}
		else {
			out.add(new DefaultHttpContent(content));
		}
	}

	@Override
	protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
		boolean partial = (this.state == State.READ_HEADER && in.isReadable()) || this.state == State.READ_VARS;
		decode(ctx, in, out);
		if (partial && (this.state == State.READ_HEADER || this.state == State.READ_VARS)) {
			refuse(ctx, UwsgiProtocolException.truncated(packetBytesReceived()));
			in.skipBytes(in.readableBytes());
			this.state = State.DISCARD;
		}
		else if (this.state == State.READ_BODY && logger.isDebugEnabled()) {
			logger.debug("uwsgi client {} closed the connection {} bytes before the end of the body",
					peer(ctx.channel()), this.remainingBody);
		}
	}

	/**
	 * Return whether the request being served is a {@code HEAD}, whose response has no body.
	 * @return {@code true} for a {@code HEAD} request
	 */
	public boolean isHeadRequest() {
		return this.headRequest;
	}

	/**
	 * Return whether the whole request, body included, has been read from the connection.
	 * @return {@code true} once the last body byte was read
	 */
	public boolean isRequestComplete() {
		return this.state == State.DONE && actualReadableBytes() == 0;
	}

	/**
	 * Pass everything that arrives from now on as it is: the connection was upgraded (a
	 * {@code 101} was sent) and speaks another protocol.
	 */
	public void upgraded() {
		this.state = State.UPGRADED;
	}

	/**
	 * Discard the rest of the request body: the response has been sent. {@code drained} runs once
	 * the body announced by {@code CONTENT_LENGTH} has arrived in full, so that the connection can
	 * be closed without a reset and without cutting the peer off while it still sends.
	 * @param drained what to do once the body is complete
	 * @return {@code false} when the rest of the body has no known length (a refused packet):
	 * {@code drained} never runs then
	 */
	public boolean discardBody(Runnable drained) {
		if (this.state != State.READ_BODY) {
			this.state = State.DISCARD;
			return false;
		}
		this.state = State.DRAIN;
		this.drained = drained;
		ByteBuf buffered = internalBuffer();
		if (buffered.isReadable()) {
			drain(buffered);
		}
		return true;
	}

	private void drain(ByteBuf in) {
		int length = (int) Math.min(in.readableBytes(), this.remainingBody);
		in.skipBytes(length);
		this.remainingBody -= length;
		if (this.remainingBody == 0) {
			this.state = State.DISCARD;
			cancelDeadline();
			this.drained.run();
		}
	}

	/**
	 * Refuse a packet that can still be answered. This decoder hands consumers of Netty HTTP
	 * messages a request with a failed {@code DecoderResult} whose cause tells the status: a
	 * {@code TooLongHttpHeaderException} (431), a {@code TooLongHttpContentException} (413) or the
	 * {@link UwsgiProtocolException} (400). {@link UwsgiServerCodec} answers itself instead.
	 * @param ctx the context of this decoder
	 * @param refusal why the packet is refused
	 * @param out the decoded messages
	 */
	protected void answer(ChannelHandlerContext ctx, UwsgiProtocolException refusal, List<Object> out) {
		refuse(ctx, refusal);
		out.add(invalidRequest(switch (refusal.reason()) {
			case VARS_TOO_LARGE, TOO_MANY_VARS -> new TooLongHttpHeaderException(refusal.getMessage());
			case BODY_TOO_LARGE -> new TooLongHttpContentException(refusal.getMessage());
			default -> refusal;
		}));
	}

	/**
	 * Return the status that answers a refusal.
	 * @param refusal why a packet was refused
	 * @return the status of the refusal's reason
	 */
	static HttpResponseStatus status(UwsgiProtocolException refusal) {
		return new HttpResponseStatus(refusal.reason().status(), refusal.reason().reasonPhrase());
	}

	void refuse(ChannelHandlerContext ctx, UwsgiProtocolException cause) {
		this.state = State.DISCARD;
		UwsgiRefusalLog.log(peer(ctx.channel()), cause);
		ctx.fireUserEventTriggered(cause);
	}

	private static HttpRequest invalidRequest(Exception cause) {
		HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
		request.setDecoderResult(DecoderResult.failure(cause));
		return request;
	}

	/**
	 * Describe the peer of a connection for a log line: the client address on TCP, the socket
	 * path on a unix socket (whose peers are unnamed).
	 * @param channel the connection
	 * @return a short description
	 */
	public static String peer(Channel channel) {
		return UwsgiPeers.describe(channel.remoteAddress(), channel.localAddress());
	}

	private enum State {

		READ_HEADER, READ_VARS, READ_BODY, DONE, DRAIN, DISCARD, UPGRADED

	}

}
