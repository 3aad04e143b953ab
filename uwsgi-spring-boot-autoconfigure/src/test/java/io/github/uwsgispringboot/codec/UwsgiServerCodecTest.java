package io.github.uwsgispringboot.codec;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static io.github.uwsgispringboot.codec.UwsgiPackets.bytes;
import static io.github.uwsgispringboot.codec.UwsgiPackets.packet;
import static io.github.uwsgispringboot.codec.UwsgiPackets.readOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Tests for {@link UwsgiServerCodec}: one request per connection, closed once the response is
 * written, lingeringly when request body is still unread.
 */
class UwsgiServerCodecTest {

	private static final Duration LONG_LINGER = Duration.ofSeconds(30);

	private final EmbeddedChannel channel = new EmbeddedChannel(
			new UwsgiServerCodec(UwsgiConstants.MAX_VARS_SIZE, LONG_LINGER));

	@Test
	void connectionIsClosedOnceTheResponseIsWrittenAndTheRequestWasRead() {
		this.channel.writeInbound(packet(request("GET"), ""));
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat((Object) this.channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
		response.headers().set("Content-Length", "2");
		this.channel.writeOutbound(response);
		assertThat(this.channel.isOpen()).isTrue();
		this.channel.writeOutbound(new DefaultLastHttpContent(bytes("ok")));
		assertThat(this.channel.isOpen()).isFalse();
		assertThat(readOutbound(this.channel)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void responseToHeadHasHeadersButNoBody() {
		this.channel.writeInbound(packet(request("HEAD"), ""));
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat((Object) this.channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		ByteBuf body = bytes("hello");
		FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
		response.headers().set("Content-Length", "5");
		this.channel.writeOutbound(response);
		assertThat(readOutbound(this.channel)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
		assertThat(body.refCnt()).isZero();
		assertThat(this.channel.isOpen()).isFalse();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void switchingProtocolsKeepsTheConnectionOpen() {
		this.channel.writeInbound(packet(request("GET"), ""));
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat((Object) this.channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
		this.channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
				HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER));
		assertThat(readOutbound(this.channel)).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
		assertThat(this.channel.isOpen()).isTrue();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void responseBeforeTheBodyOnAChannelThatCannotHalfCloseClosesAtOnce() {
		this.channel.writeInbound(packet(post(11), "hel"));
		assertThat((Object) this.channel.readInbound()).isInstanceOf(UwsgiHttpRequest.class);
		assertThat(UwsgiPackets.readContents(this.channel)).containsExactly("hel");
		this.channel.writeOutbound(notFound());
		assertThat(readOutbound(this.channel)).startsWith("HTTP/1.1 404 Not Found\r\n");
		assertThat(this.channel.isOpen()).isFalse();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	@Test
	void pingIsAnsweredWithPong() {
		this.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] { 0x64, 0x00, 0x00, 0x00 }));
		ByteBuf pong = this.channel.readOutbound();
		assertThat(ByteBufUtil.getBytes(pong)).containsExactly(0x64, 0x00, 0x00, 0x01);
		pong.release();
		assertThat(this.channel.isOpen()).isFalse();
		assertThat(this.channel.finishAndReleaseAll()).isFalse();
	}

	private static UwsgiVars request(String method) {
		return UwsgiVars.builder().add("REQUEST_METHOD", method).add("REQUEST_URI", "/").build();
	}

	private static UwsgiVars post(long contentLength) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", "POST")
			.add("REQUEST_URI", "/upload")
			.add("CONTENT_LENGTH", Long.toString(contentLength))
			.build();
	}

	private static FullHttpResponse notFound() {
		FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
				bytes("not found"));
		response.headers().set("Content-Length", "9");
		return response;
	}

	/**
	 * Over a real TCP connection, whose output can be shut down on its own.
	 */
	@Nested
	class OverTcp {

		private static final String NOT_FOUND_RESPONSE = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";

		private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

		private final CompletableFuture<Channel> connection = new CompletableFuture<>();

		private final CompletableFuture<Long> responseWritten = new CompletableFuture<>();

		private final CompletableFuture<Long> connectionClosed = new CompletableFuture<>();

		private Channel server;

		@AfterEach
		void stopServer() {
			if (this.server != null) {
				this.server.close().syncUninterruptibly();
			}
			this.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
		}

		@Test
		void unreadBodyIsDiscardedAfterTheResponseWithoutResetUntilTheClientCloses() throws Exception {
			InetSocketAddress address = startServer(LONG_LINGER, false);
			try (Socket client = new Socket(address.getAddress(), address.getPort())) {
				client.setSoTimeout(10_000);
				OutputStream out = client.getOutputStream();
				out.write(encode(post(1_000_000), 1000));
				// the response has a Content-Length: its end needs no end of the connection
				assertThat(readExactly(client.getInputStream(), NOT_FOUND_RESPONSE.length()))
					.isEqualTo(NOT_FOUND_RESPONSE);
				for (int i = 0; i < 32; i++) {
					out.write(new byte[8192]);
				}
				out.flush();
				assertThat(this.connection.get(5, TimeUnit.SECONDS).isOpen()).isTrue();
			}
			this.connectionClosed.get(5, TimeUnit.SECONDS);
		}

		@Test
		void closeRequestedWhileLingeringWaitsForTheLingeringClose() throws Exception {
			InetSocketAddress address = startServer(LONG_LINGER, false);
			try (Socket client = new Socket(address.getAddress(), address.getPort())) {
				client.setSoTimeout(10_000);
				client.getOutputStream().write(encode(post(1_000_000), 10));
				assertThat(readExactly(client.getInputStream(), NOT_FOUND_RESPONSE.length()))
					.isEqualTo(NOT_FOUND_RESPONSE);
				Channel connection = this.connection.get(5, TimeUnit.SECONDS);
				CompletableFuture<Void> closed = new CompletableFuture<>();
				connection.close().addListener((future) -> closed.complete(null));
				connection.eventLoop().submit(() -> { }).get(5, TimeUnit.SECONDS);
				client.getOutputStream().write(new byte[8192]);
				assertThat(closed).isNotDone();
				assertThat(connection.isOpen()).isTrue();
			}
			this.connectionClosed.get(5, TimeUnit.SECONDS);
		}

		@Test
		void earlyResponseIsFollowedByACloseOnceTheWholeBodyHasArrived() throws Exception {
			InetSocketAddress address = startServer(LONG_LINGER, false);
			try (Socket client = new Socket(address.getAddress(), address.getPort())) {
				client.setSoTimeout(10_000);
				OutputStream out = client.getOutputStream();
				out.write(encode(post(100_000), 1000));
				assertThat(readExactly(client.getInputStream(), NOT_FOUND_RESPONSE.length()))
					.isEqualTo(NOT_FOUND_RESPONSE);
				out.write(new byte[99_000]);
				out.flush();
				long sent = System.nanoTime();
				assertThat(readToEnd(client.getInputStream())).isEmpty();
				assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(LONG_LINGER);
			}
			this.connectionClosed.get(5, TimeUnit.SECONDS);
		}

		@Test
		void lingeringConnectionIsClosedAfterLingerTimeout() throws Exception {
			Duration lingerTimeout = Duration.ofMillis(300);
			InetSocketAddress address = startServer(lingerTimeout, false);
			try (Socket client = new Socket(address.getAddress(), address.getPort())) {
				client.setSoTimeout(10_000);
				client.getOutputStream().write(encode(post(1_000_000), 1000));
				assertThat(readToEnd(client.getInputStream())).isEqualTo(NOT_FOUND_RESPONSE);
				long closedAt = this.connectionClosed.get(5, TimeUnit.SECONDS);
				assertThat(Duration.ofNanos(closedAt - this.responseWritten.get(5, TimeUnit.SECONDS)))
					.isGreaterThanOrEqualTo(lingerTimeout.minusMillis(50));
			}
		}

		@Test
		void connectionWhoseRequestWasReadIsClosedWithoutLingering() throws Exception {
			InetSocketAddress address = startServer(LONG_LINGER, true);
			try (Socket client = new Socket(address.getAddress(), address.getPort())) {
				client.setSoTimeout(10_000);
				client.getOutputStream().write(encode(post(11), 11));
				assertThat(readToEnd(client.getInputStream())).isEqualTo(NOT_FOUND_RESPONSE);
				this.connectionClosed.get(5, TimeUnit.SECONDS);
			}
		}

		/**
		 * Start a server that answers 404 and asks for the connection to be closed, as Reactor
		 * Netty does, either at once or only after the request body was read.
		 */
		private InetSocketAddress startServer(Duration lingerTimeout, boolean readBodyFirst) throws Exception {
			ServerBootstrap bootstrap = new ServerBootstrap().group(this.group)
				.channel(NioServerSocketChannel.class)
				.childHandler(new ChannelInitializer<SocketChannel>() {

					@Override
					protected void initChannel(SocketChannel channel) {
						channel.closeFuture().addListener((closed) -> connectionClosed.complete(System.nanoTime()));
						channel.pipeline()
							.addLast(new UwsgiServerCodec(UwsgiConstants.MAX_VARS_SIZE, lingerTimeout),
									new NotFoundHandler(readBodyFirst));
						connection.complete(channel);
					}

				});
			this.server = bootstrap.bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
			return (InetSocketAddress) this.server.localAddress();
		}

		private byte[] encode(UwsgiVars vars, int bodyBytes) {
			ByteBuf packet = packet(vars, "x".repeat(bodyBytes));
			try {
				return ByteBufUtil.getBytes(packet);
			}
			finally {
				packet.release();
			}
		}

		private String readExactly(InputStream in, int length) throws Exception {
			return new String(in.readNBytes(length), java.nio.charset.StandardCharsets.ISO_8859_1);
		}

		private String readToEnd(InputStream in) throws Exception {
			return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
		}

		private final class NotFoundHandler extends SimpleChannelInboundHandler<HttpObject> {

			private final boolean readBodyFirst;

			NotFoundHandler(boolean readBodyFirst) {
				this.readBodyFirst = readBodyFirst;
			}

			@Override
			protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
				boolean respond = this.readBodyFirst ? message instanceof LastHttpContent
						: message instanceof UwsgiHttpRequest;
				if (respond) {
					ctx.writeAndFlush(notFound())
						.addListener((written) -> responseWritten.complete(System.nanoTime()))
						.addListener(ChannelFutureListener.CLOSE);
				}
			}

		}

	}

}
