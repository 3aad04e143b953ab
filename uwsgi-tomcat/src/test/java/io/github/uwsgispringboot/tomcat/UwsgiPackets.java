package io.github.uwsgispringboot.tomcat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Hand-built uwsgi packets, as nginx would send them.
 */
final class UwsgiPackets {

	private UwsgiPackets() {
	}

	/**
	 * A request packet: the 4-byte header and the vars, no body.
	 * @param nameValues var names and values, alternating
	 */
	static byte[] request(String... nameValues) {
		byte[] vars = vars(nameValues);
		return concat(header(0, vars.length), vars);
	}

	static byte[] header(int modifier1, int varsSize) {
		byte[] header = new byte[4];
		header[0] = (byte) modifier1; // 0 = HTTP request, 100 = ping
		header[1] = (byte) varsSize; // vars block size, low byte (little-endian u16)
		header[2] = (byte) (varsSize >> 8); // vars block size, high byte
		header[3] = 0; // modifier2, ignored for modifier1 0
		return header;
	}

	static byte[] vars(String... nameValues) {
		ByteArrayOutputStream vars = new ByteArrayOutputStream();
		for (String text : nameValues) {
			byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
			vars.write(bytes.length); // length, low byte
			vars.write(bytes.length >> 8); // length, high byte
			vars.writeBytes(bytes);
		}
		return vars.toByteArray();
	}

	static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			all.writeBytes(part);
		}
		return all.toByteArray();
	}

	static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

}
