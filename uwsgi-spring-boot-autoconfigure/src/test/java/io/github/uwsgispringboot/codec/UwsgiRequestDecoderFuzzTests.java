package io.github.uwsgispringboot.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.codec.UwsgiPackets.UserEvents;

import static io.github.uwsgispringboot.codec.UwsgiPackets.readOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;

/**
 * Coverage-guided fuzz test of request decoding with Jazzer: any bytes, written to a
 * {@link UwsgiServerCodec} in pieces, end in one request followed by exactly its body, or in one
 * of the refusals {@link UwsgiProtocolException.Reason} defines; never in an exception, a
 * connection left open with nothing to wait for, or an unreleased buffer (the
 * {@code LeakDetectionExtension} checks the buffers the codec allocates itself).
 * <p>
 * The fuzzer's input is read as:
 * <pre>
 * input   = options cuts wire
 * options = 1 byte: bits 0-2 the number of cuts (0-7); bit 3 {@link #SMALL_LIMITS} instead of
 *           none but the protocol's; bits 4-5 when the application answers: 0 never, 1 as
 *           soon as the request arrives, 2 or 3 after its body
 * cuts    = 2 bytes each, big-endian: where {@code wire} is split between two writes
 *           (modulo its length + 1)
 * wire    = the bytes the proxy sends
 * </pre>
 * A plain {@code mvn test} runs the seeds in {@code UwsgiRequestDecoderFuzzTestsInputs/} (packets
 * captured from nginx 1.22, a small POST, a ping, plain HTTP) and the empty input; with the environment variable
 * {@code JAZZER_FUZZ=1} Jazzer fuzzes for {@code maxDuration}, or for {@code -Djazzer.max_duration}.
 * See {@code docs/hardening.md}.
 */
class UwsgiRequestDecoderFuzzTests {

	/**
	 * Limits for the inputs that ask for small ones, so that their refusals are reached cheaply:
	 * 128 bytes and 8 vars (431), a body of 16 bytes (413). No deadlines: the embedded channel's
	 * clock does not run.
	 */
	private static final UwsgiLimits SMALL_LIMITS = new UwsgiLimits(128, 8, 16, Duration.ZERO, Duration.ZERO);

	private static final Duration LINGER_TIMEOUT = Duration.ofSeconds(1);

	private static final byte[] PONG = { 0x64, 0x00, 0x00, 0x01 }; // modifier1 100, datasize 0, modifier2 1

	@BeforeAll
	static void silenceCodecLog() {
		// Refusals and the decoder's debug lines: a fuzzing run writes millions of them
		LoggingSystem.get(UwsgiRequestDecoderFuzzTests.class.getClassLoader())
			.setLogLevel(UwsgiRequestDecoder.class.getPackageName(), LogLevel.OFF);
	}

	@AfterAll
	static void restoreCodecLog() {
		LoggingSystem.get(UwsgiRequestDecoderFuzzTests.class.getClassLoader())
			.setLogLevel(UwsgiRequestDecoder.class.getPackageName(), null);
	}

	@FuzzTest(maxDuration = "30s")
	void anyBytesYieldARequestWithItsBodyOrADefinedRefusal(byte[] data) {
		FuzzInput input = FuzzInput.read(data);
		UserEvents events = new UserEvents();
		Application application = new Application(input.answer());
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiServerCodec(input.limits(), LINGER_TIMEOUT),
				events, application);
		List<ByteBuf> written = new ArrayList<>();
		List<Object> inbound = new ArrayList<>();
		try {
			int delivered = write(input, channel, written);
			boolean openAfterWrites = channel.isOpen();
			channel.finish(); // the proxy closes the connection: decodeLast
			for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
				inbound.add(message);
			}
			new Connection(Arrays.copyOf(input.wire(), delivered), input.limits().maxVarsSize(), openAfterWrites,
					application.answered(), refusals(events), inbound, readOutbound(channel))
				.check();
		}
		catch (Throwable failure) {
			releaseQuietly(channel);
			throw failure;
		}
		finally {
			inbound.forEach(ReferenceCountUtil::release);
		}
		assertThat(written).as("buffers written to the codec").allSatisfy((piece) -> assertThat(piece.refCnt()).isZero());
	}

	/**
	 * Write the wire bytes in the pieces the input asks for, until the codec closes the connection.
	 * @return the number of bytes written
	 */
	private static int write(FuzzInput input, EmbeddedChannel channel, List<ByteBuf> written) {
		int delivered = 0;
		for (int end : input.writeEnds()) {
			if (!channel.isOpen()) {
				break;
			}
			// Unpooled: a released pooled buffer may be reused before its reference count is checked
			ByteBuf piece = Unpooled.directBuffer(end - delivered).writeBytes(input.wire(), delivered, end - delivered);
			written.add(piece);
			channel.writeInbound(piece);
			delivered = end;
		}
		return delivered;
	}

	/**
	 * Close the connection of a failed input and release what it left, so that the finding is
	 * reported alone rather than followed by leak reports.
	 */
	private static void releaseQuietly(EmbeddedChannel channel) {
		try {
			channel.finishAndReleaseAll();
		}
		catch (RuntimeException ex) {
			// The pipeline recorded the failure being reported
		}
	}

	private static List<UwsgiProtocolException> refusals(UserEvents events) {
		return events.events()
			.stream()
			.filter(UwsgiProtocolException.class::isInstance)
			.map(UwsgiProtocolException.class::cast)
			.toList();
	}

	/**
	 * What the fuzzer asked for: the limits, when the application answers, and the wire bytes
	 * with the ends of the writes they are split into.
	 */
	private record FuzzInput(UwsgiLimits limits, Answer answer, int[] writeEnds, byte[] wire) {

		static FuzzInput read(byte[] data) {
			int options = (data.length > 0) ? data[0] & 0xFF : 0;
			int cuts = Math.min(options & 0x07, Math.max(data.length - 1, 0) / 2);
			int wireStart = Math.min(data.length, 1 + 2 * cuts);
			byte[] wire = Arrays.copyOfRange(data, wireStart, data.length);
			int[] writeEnds = new int[cuts + 1];
			for (int i = 0; i < cuts; i++) {
				int cut = ((data[1 + 2 * i] & 0xFF) << 8) | (data[2 + 2 * i] & 0xFF);
				writeEnds[i] = cut % (wire.length + 1);
			}
			writeEnds[cuts] = wire.length;
			Arrays.sort(writeEnds);
			UwsgiLimits limits = ((options & 0x08) != 0) ? SMALL_LIMITS : UwsgiLimits.NONE;
			Answer answer = Answer.values()[Math.min((options >> 4) & 0x03, 2)];
			return new FuzzInput(limits, answer, writeEnds, wire);
		}

	}

	private enum Answer {

		NEVER, ON_REQUEST, AFTER_BODY

	}

	/**
	 * Passes everything on to the channel's inbound queue and answers 404 once, on the request or
	 * after its body, as a handler would.
	 */
	private static final class Application extends ChannelInboundHandlerAdapter {

		private final Answer answer;

		private boolean answered;

		Application(Answer answer) {
			this.answer = answer;
		}

		boolean answered() {
			return this.answered;
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object message) {
			boolean answerNow = switch (this.answer) {
				case NEVER -> false;
				case ON_REQUEST -> message instanceof HttpRequest;
				case AFTER_BODY -> message instanceof LastHttpContent;
			};
			ctx.fireChannelRead(message);
			if (answerNow && !this.answered) {
				this.answered = true;
				ByteBuf body = ctx.alloc().buffer().writeBytes("not found".getBytes(StandardCharsets.US_ASCII));
				FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
						HttpResponseStatus.NOT_FOUND, body);
				response.headers().set("Content-Length", body.readableBytes());
				ctx.writeAndFlush(response);
			}
		}

	}

	/**
	 * One connection as the codec saw it, and the invariants it must satisfy.
	 */
	private record Connection(byte[] wire, int maxVarsSize, boolean openAfterWrites, boolean answered,
			List<UwsgiProtocolException> refusals, List<Object> inbound, String outbound) {

		void check() {
			assertThat(this.refusals).as("refusals").hasSizeLessThanOrEqualTo(1);
			if (this.wire.length < UwsgiConstants.HEADER_LENGTH) {
				checkTruncated();
				return;
			}
			int modifier1 = this.wire[0] & 0xFF;
			if (modifier1 == UwsgiConstants.MODIFIER1_PING) {
				assertThat(this.outbound.getBytes(StandardCharsets.ISO_8859_1)).as("pong").isEqualTo(PONG);
				assertThat(this.refusals).isEmpty();
				assertThat(this.inbound).isEmpty();
				assertThat(this.openAfterWrites).as("open after the pong").isFalse();
			}
			else if (modifier1 != UwsgiConstants.MODIFIER1_HTTP) {
				checkNotARequest();
			}
			else if (varsSize() > this.maxVarsSize) {
				checkRefusedRequest(Reason.VARS_TOO_LARGE);
			}
			else if (this.wire.length < UwsgiConstants.HEADER_LENGTH + varsSize()) {
				checkTruncated();
			}
			else if (!this.refusals.isEmpty()) {
				checkRefusedRequest(this.refusals.get(0).reason());
			}
			else {
				checkRequestAndBody();
			}
		}

		private int varsSize() {
			return (this.wire[1] & 0xFF) | ((this.wire[2] & 0xFF) << 8); // datasize, u16 little-endian
		}

		private void checkTruncated() {
			assertThat(this.inbound).isEmpty();
			assertThat(this.outbound).isEmpty();
			assertThat(this.openAfterWrites).as("open, awaiting the rest of the packet").isTrue();
			if (this.wire.length > 0) {
				assertThat(this.refusals).singleElement()
					.extracting(UwsgiProtocolException::reason)
					.isEqualTo(Reason.TRUNCATED_PACKET);
			}
			else {
				assertThat(this.refusals).isEmpty();
			}
		}

		private void checkNotARequest() {
			assertThat(this.inbound).isEmpty();
			assertThat(this.openAfterWrites).as("open after refusing the modifier").isFalse();
			assertThat(this.refusals).hasSize(1);
			Reason reason = this.refusals.get(0).reason();
			assertThat(reason).isIn(Reason.UNSUPPORTED_MODIFIER, Reason.HTTP_ON_UWSGI_PORT);
			if (reason == Reason.HTTP_ON_UWSGI_PORT) {
				assertThat(this.outbound).startsWith("HTTP/1.1 400 Bad Request\r\n");
			}
			else {
				assertThat(this.outbound).isEmpty();
			}
		}

		private void checkRefusedRequest(Reason reason) {
			assertThat(reason.answered()).as("%s is answered", reason).isTrue();
			assertThat(this.refusals).singleElement().extracting(UwsgiProtocolException::reason).isEqualTo(reason);
			assertThat(this.inbound).as("nothing passed on for a refused request").isEmpty();
			String status = switch (reason) {
				case VARS_TOO_LARGE, TOO_MANY_VARS -> "431";
				case BODY_TOO_LARGE -> "413";
				default -> "400";
			};
			assertThat(this.outbound).startsWith("HTTP/1.1 " + status + " ");
			assertThat(this.openAfterWrites).as("open after answering a refused request").isFalse();
		}

		private void checkRequestAndBody() {
			assertThat(this.inbound).as("a request, then its body").isNotEmpty();
			assertThat(this.inbound.get(0)).isInstanceOf(UwsgiHttpRequest.class);
			UwsgiHttpRequest request = (UwsgiHttpRequest) this.inbound.get(0);
			assertThat(request.decoderResult().isSuccess()).isTrue();
			checkHeaders(request);
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			boolean last = false;
			for (Object message : this.inbound.subList(1, this.inbound.size())) {
				assertThat(last).as("a message after the last content").isFalse();
				assertThat(message).isInstanceOf(HttpContent.class).isNotInstanceOf(HttpRequest.class);
				body.writeBytes(ByteBufUtil.getBytes(((HttpContent) message).content()));
				last = message instanceof LastHttpContent;
			}
			int bodyStart = UwsgiConstants.HEADER_LENGTH + varsSize();
			long expectedLength = Math.min(request.contentLength(), this.wire.length - bodyStart);
			assertThat((long) body.size()).as("body bytes").isLessThanOrEqualTo(request.contentLength())
				.isEqualTo(expectedLength);
			assertThat(body.toByteArray()).as("body")
				.isEqualTo(Arrays.copyOfRange(this.wire, bodyStart, bodyStart + (int) expectedLength));
			assertThat(last).as("last content received").isEqualTo(expectedLength == request.contentLength());
			checkAnswered();
		}

		/**
		 * Every header that the request lists is read alike on demand, and is a header Netty's
		 * validation would have accepted (headers are read from the vars only when asked for).
		 */
		private void checkHeaders(UwsgiHttpRequest request) {
			HttpHeaders onDemand = UwsgiHttpRequest.from(request.vars()).headers();
			for (Map.Entry<String, String> header : request.headers().entries()) {
				assertThat(onDemand.getAll(header.getKey())).as(header.getKey())
					.isEqualTo(request.headers().getAll(header.getKey()))
					.contains(header.getValue());
				assertThat(DefaultHttpHeadersFactory.headersFactory().newHeaders().add(header.getKey(), header.getValue())
					.get(header.getKey())).isEqualTo(header.getValue());
			}
		}

		private void checkAnswered() {
			assertThat(this.openAfterWrites).as("open while the application has not answered")
				.isEqualTo(!this.answered);
			if (this.answered) {
				assertThat(this.outbound).startsWith("HTTP/1.1 404 Not Found\r\n");
			}
			else {
				assertThat(this.outbound).isEmpty();
			}
		}

	}

}
