package io.github.uwsgispringboot.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Builds uwsgi packets and reads what an {@link EmbeddedChannel} produced, for the codec tests.
 */
final class UwsgiPackets {

	private UwsgiPackets() {
	}

	/**
	 * Write one var the way the protocol frames it.
	 * @param packet the buffer to write to
	 * @param name the var name, ISO-8859-1
	 * @param value the value, ISO-8859-1
	 */
	static void writeVar(ByteBuf packet, String name, String value) {
		packet.writeShortLE(name.length()); // name length, u16 little-endian
		packet.writeCharSequence(name, StandardCharsets.ISO_8859_1);
		packet.writeShortLE(value.length()); // value length, u16 little-endian
		packet.writeCharSequence(value, StandardCharsets.ISO_8859_1);
	}

	/**
	 * Encode a whole packet with {@link UwsgiRequestEncoder}, the body following the vars.
	 * @param vars the vars
	 * @param body the body, ISO-8859-1
	 * @return a new buffer
	 */
	static ByteBuf packet(UwsgiVars vars, String body) {
		ByteBuf packet = Unpooled.buffer();
		UwsgiRequestEncoder.encode(vars, packet);
		packet.writeCharSequence(body, StandardCharsets.ISO_8859_1);
		return packet;
	}

	/**
	 * Return a copy of {@code text} as a buffer.
	 * @param text ISO-8859-1 text
	 * @return a new buffer
	 */
	static ByteBuf bytes(String text) {
		return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
	}

	/**
	 * Read the body contents that are waiting in the channel, releasing each.
	 * @param channel the channel
	 * @return the pieces as text, in order; the last one ends with {@code <last>} when it was a
	 * {@link LastHttpContent}
	 */
	static List<String> readContents(EmbeddedChannel channel) {
		List<String> pieces = new ArrayList<>();
		for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
			HttpContent content = (HttpContent) message;
			String piece = content.content().toString(StandardCharsets.ISO_8859_1);
			pieces.add((content instanceof LastHttpContent) ? piece + "<last>" : piece);
			content.release();
		}
		return pieces;
	}

	/**
	 * Read every buffer written to the channel, releasing each.
	 * @param channel the channel
	 * @return the bytes written, as ISO-8859-1 text
	 */
	static String readOutbound(EmbeddedChannel channel) {
		StringBuilder written = new StringBuilder();
		for (ByteBuf buffer = channel.readOutbound(); buffer != null; buffer = channel.readOutbound()) {
			written.append(buffer.toString(StandardCharsets.ISO_8859_1));
			buffer.release();
		}
		return written.toString();
	}

	/**
	 * A handler that records the user events fired through it, to see refusals.
	 */
	static final class UserEvents extends ChannelInboundHandlerAdapter {

		private final List<Object> events = new ArrayList<>();

		List<Object> events() {
			return this.events;
		}

		@Override
		public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
			this.events.add(event);
			ctx.fireUserEventTriggered(event);
		}

	}

}
