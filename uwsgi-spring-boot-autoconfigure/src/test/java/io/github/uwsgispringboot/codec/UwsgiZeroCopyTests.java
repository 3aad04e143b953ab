package io.github.uwsgispringboot.codec;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.github.uwsgispringboot.codec.UwsgiPackets.packet;
import static org.assertj.core.api.Assertions.assertThat;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * A file body leaves the uwsgi codec as the {@link FileRegion} it came as, so that the transport
 * sends it with the kernel's file transfer ({@code sendfile}) instead of copying it through buffers.
 * Reactor Netty writes a {@code Resource} or {@code ZeroCopyHttpOutputMessage} body as a
 * {@code FileRegion} whenever the connection has no TLS.
 */
class UwsgiZeroCopyTests {

	@TempDir
	Path temp;

	@Test
	void fileRegionPassesThroughTheEncoderUncopied() throws Exception {
		File file = Files.writeString(this.temp.resolve("body.txt"), "file body", StandardCharsets.US_ASCII).toFile();
		EmbeddedChannel channel = new EmbeddedChannel(new UwsgiServerCodec(UwsgiLimits.NONE, Duration.ofSeconds(1)));
		channel.writeInbound(packet(UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/f").build(), ""));
		channel.releaseInbound();

		HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
		response.headers().set("Content-Length", 9);
		FileRegion region = new DefaultFileRegion(file, 0, 9);
		channel.writeOutbound(response, region, LastHttpContent.EMPTY_LAST_CONTENT);

		ByteBuf head = channel.readOutbound();
		assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 OK\r\n");
		head.release();
		Object body = channel.readOutbound();
		assertThat(body).isSameAs(region);
		region.release();
		channel.finishAndReleaseAll();
	}

}
