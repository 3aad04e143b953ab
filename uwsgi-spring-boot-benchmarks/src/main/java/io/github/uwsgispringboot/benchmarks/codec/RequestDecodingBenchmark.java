package io.github.uwsgispringboot.benchmarks.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.codec.UwsgiRequestDecoder;

/**
 * Decoding one browser request ({@link BrowserRequest}) into the messages the server hands on:
 * the uwsgi packet nginx sends, with {@link UwsgiRequestDecoder}, against the same request as
 * HTTP/1.1, with Netty's {@link HttpRequestDecoder}. Every operation reads the request from a
 * pooled direct buffer (where a socket read lands), produces the request and its
 * {@code LastHttpContent}, reads the request as the server does, and releases them. Run with
 * {@code -prof gc} for the bytes allocated per request ({@code gc.alloc.rate.norm}).
 * <p>
 * Reading the request matters because a decoder may defer work until a header is asked for:
 * every benchmark reads the method, the URI and the headers that Reactor Netty and Spring WebFlux
 * read for a request like this one, each once: Reactor Netty {@code Host} (the request's address),
 * {@code Connection} (keep-alive), {@code Expect} (100-continue), {@code Content-Length} and
 * {@code Transfer-Encoding} (where the body ends); Spring WebFlux {@code Accept} (content
 * negotiation), {@code Origin} (CORS), {@code Content-Type} and {@code Cookie} (the request's
 * cookies). The values go to a {@link Blackhole}.
 * <p>
 * uwsgi carries one request per connection, so {@link #uwsgi()} creates its decoder for every
 * request, as the server does. An HTTP decoder lives as long as its connection: {@link #httpKeepAlive()}
 * reuses one (a kept-alive upstream connection), {@link #httpNewConnection()} creates one per
 * request and frees it as a closing channel does.
 * <p>
 * The decoders are driven by their {@code decode} method, without a pipeline around them: what
 * {@code ByteToMessageDecoder} and the pipeline add is the same for both and not measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-Djmh.executor=CUSTOM",
		"-Djmh.executor.class=io.github.uwsgispringboot.benchmarks.codec.EventLoopThreadExecutor" })
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RequestDecodingBenchmark {

	private final List<Object> out = new ArrayList<>(4);

	private EmbeddedChannel channel;

	private ChannelHandlerContext context;

	private ByteBuf uwsgiPacket;

	private ByteBuf httpRequest;

	private ExposedHttpRequestDecoder keepAliveDecoder;

	@Setup
	public void setUp() {
		this.channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
		this.context = this.channel.pipeline().firstContext();
		this.uwsgiPacket = pooledDirectCopy(BrowserRequest.uwsgi());
		this.httpRequest = pooledDirectCopy(BrowserRequest.http());
		this.keepAliveDecoder = new ExposedHttpRequestDecoder();
	}

	@TearDown
	public void tearDown() throws Exception {
		this.keepAliveDecoder.handlerRemoved(this.context);
		this.uwsgiPacket.release();
		this.httpRequest.release();
		this.channel.finishAndReleaseAll();
	}

	@Benchmark
	public HttpRequest uwsgi(Blackhole blackhole) throws Exception {
		ExposedUwsgiRequestDecoder decoder = new ExposedUwsgiRequestDecoder();
		decoder.decode(this.context, this.uwsgiPacket.readerIndex(0), this.out);
		decoder.handlerRemoved(this.context);
		return readAndRelease(blackhole);
	}

	@Benchmark
	public HttpRequest httpKeepAlive(Blackhole blackhole) throws Exception {
		this.keepAliveDecoder.decode(this.context, this.httpRequest.readerIndex(0), this.out);
		return readAndRelease(blackhole);
	}

	@Benchmark
	public HttpRequest httpNewConnection(Blackhole blackhole) throws Exception {
		ExposedHttpRequestDecoder decoder = new ExposedHttpRequestDecoder();
		decoder.decode(this.context, this.httpRequest.readerIndex(0), this.out);
		decoder.handlerRemoved(this.context);
		return readAndRelease(blackhole);
	}

	/**
	 * Read what a decoder produced as the server does, checking that it was a whole request, and
	 * release it.
	 * @param blackhole receives what was read
	 * @return the request
	 */
	private HttpRequest readAndRelease(Blackhole blackhole) {
		if (this.out.size() != 2 || !(this.out.get(0) instanceof HttpRequest request)
				|| !request.decoderResult().isSuccess()) {
			throw new IllegalStateException("Not a request and its last content: " + this.out);
		}
		read(request, blackhole);
		for (Object message : this.out) {
			ReferenceCountUtil.release(message);
		}
		this.out.clear();
		return request;
	}

	/**
	 * Read what Reactor Netty and Spring WebFlux read of a request like this one.
	 * @param request the request
	 * @param blackhole receives what was read
	 */
	static void read(HttpRequest request, Blackhole blackhole) {
		blackhole.consume(request.method());
		blackhole.consume(request.uri());
		HttpHeaders headers = request.headers();
		blackhole.consume(headers.get(HttpHeaderNames.HOST));
		blackhole.consume(headers.get(HttpHeaderNames.CONNECTION));
		blackhole.consume(headers.get(HttpHeaderNames.CONTENT_LENGTH));
		blackhole.consume(headers.get(HttpHeaderNames.TRANSFER_ENCODING));
		blackhole.consume(headers.get(HttpHeaderNames.EXPECT));
		blackhole.consume(headers.get(HttpHeaderNames.ACCEPT));
		blackhole.consume(headers.get(HttpHeaderNames.ORIGIN));
		blackhole.consume(headers.get(HttpHeaderNames.CONTENT_TYPE));
		blackhole.consume(headers.get(HttpHeaderNames.COOKIE));
	}

	private static ByteBuf pooledDirectCopy(ByteBuf bytes) {
		ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.readableBytes());
		copy.writeBytes(bytes);
		bytes.release();
		return copy;
	}

	/** Lets the benchmark call {@link ByteToMessageDecoder#decode}: an override is accessible in its package. */
	static final class ExposedUwsgiRequestDecoder extends UwsgiRequestDecoder {

		ExposedUwsgiRequestDecoder() {
			super(UwsgiConstants.MAX_VARS_SIZE);
		}

		@Override
		protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
			super.decode(ctx, in, out);
		}

	}

	/** Lets the benchmark call {@link ByteToMessageDecoder#decode}, as above. */
	static final class ExposedHttpRequestDecoder extends HttpRequestDecoder {

		@Override
		protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
			super.decode(ctx, in, out);
		}

	}

}
