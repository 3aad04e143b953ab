package io.github.uwsgispringboot.codec;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToByteEncoder;
import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Encodes {@link UwsgiVars} as the header and vars block of a uwsgi request packet (modifier1 0);
 * the body, if any, is written after it as plain bytes. Used by this project's tests and by
 * clients that talk to a uwsgi server directly.
 */
public class UwsgiRequestEncoder extends MessageToByteEncoder<UwsgiVars> {

	@Override
	protected void encode(ChannelHandlerContext ctx, UwsgiVars vars, ByteBuf out) {
		encode(vars, out);
	}

	/**
	 * Write the header and the vars block of a request packet.
	 * @param vars the vars to send
	 * @param out the buffer to write to
	 * @throws EncoderException when a name or value is longer than
	 * {@value UwsgiConstants#MAX_VAR_LENGTH} bytes or the block larger than
	 * {@value UwsgiConstants#MAX_VARS_SIZE}
	 */
	public static void encode(UwsgiVars vars, ByteBuf out) {
		int headerIndex = out.writerIndex();
		out.writeByte(UwsgiConstants.MODIFIER1_HTTP);
		out.writeShortLE(0);
		out.writeByte(0);
		int start = out.writerIndex();
		for (int i = 0; i < vars.size(); i++) {
			writeString(vars.name(i), out);
			writeString(vars.value(i), out);
		}
		int size = out.writerIndex() - start;
		if (size > UwsgiConstants.MAX_VARS_SIZE) {
			throw new EncoderException("uwsgi vars block of " + size + " bytes exceeds " + UwsgiConstants.MAX_VARS_SIZE);
		}
		out.setShortLE(headerIndex + 1, size);
	}

	private static void writeString(String value, ByteBuf out) {
		if (value.length() > UwsgiConstants.MAX_VAR_LENGTH) {
			throw new EncoderException("uwsgi var of " + value.length() + " bytes exceeds " + UwsgiConstants.MAX_VAR_LENGTH);
		}
		out.writeShortLE(value.length());
		out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
	}

}
